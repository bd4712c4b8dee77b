package amqp

import (
	"errors"
	"testing"

	goamqp "github.com/Azure/go-amqp"
)

func TestOutcomeError(t *testing.T) {
	a := Address{Host: "h", Port: 5672}
	for _, tc := range []struct {
		st   goamqp.DeliveryState
		want string
	}{
		{nil, ""},
		{&goamqp.StateAccepted{}, ""},
		{&goamqp.StateRejected{}, "broker amqp://h:5672 target /q: message rejected"},
		{&goamqp.StateRejected{Error: &goamqp.Error{Condition: "amqp:resource-limit-exceeded", Description: "full"}},
			"broker amqp://h:5672 target /q: message rejected: amqp:resource-limit-exceeded: full"},
		{&goamqp.StateReleased{}, "broker amqp://h:5672 target /q: message released"},
		{&goamqp.StateModified{DeliveryFailed: true}, "broker amqp://h:5672 target /q: message modified"},
		{&goamqp.StateReceived{}, "broker amqp://h:5672 target /q: message *encoding.StateReceived"},
	} {
		err := outcomeError(a, "/q", tc.st)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%T: %v, want nil", tc.st, err)
			}
			continue
		}
		var de *DispositionError
		if !errors.As(err, &de) || err.Error() != tc.want {
			t.Errorf("%T: %v, want %q", tc.st, err, tc.want)
		}
	}
	if err := outcomeError(a, "/q", &goamqp.StateModified{DeliveryFailed: true, UndeliverableHere: true}); !err.(*DispositionError).UndeliverableHere {
		t.Error("modified flags lost")
	}
}
