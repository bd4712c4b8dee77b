package amqp

import (
	"strings"
	"testing"
	"time"
)

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		attempts int
	}{
		{"amqp://h", "amqp://h:5672", 0},
		{"amqps://h", "amqps://h:5671", 0},
		{"amqp+ssl://h:1234/", "amqps://h:1234", 0},
		{"amqp://[::1]:5672", "amqp://[::1]:5672", 0},
		{"failover:(amqp://a,amqps://b:99)", "failover:(amqp://a:5672,amqps://b:99)", -1},
		{"failover:amqp://a,amqp://b?maxReconnectAttempts=3", "failover:(amqp://a:5672,amqp://b:5672)", 3},
	} {
		u, err := ParseURI(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if u.String() != tc.want || u.MaxAttempts != tc.attempts {
			t.Errorf("%s: got %s (attempts %d), want %s (%d)", tc.in, u, u.MaxAttempts, tc.want, tc.attempts)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", "empty address"},
		{"stomp://h", "unsupported scheme"},
		{"amqp://guest:guest@h", "credentials"},
		{"amqp://h/vhost", "only scheme://host:port"},
		{"amqp://:5672", "missing host"},
		{"amqp://h:0", "bad port"},
		{"failover:(amqp://a", "missing ')'"},
		{"failover:(amqp://a)x", "unexpected"},
		{"failover:(amqp://a)?bogus=1", `unknown failover option "bogus"`},
		{"failover:(amqp://a)?backOffMultiplier=0.5", "must be >= 1"},
		{"failover:(amqp://a)?maxReconnectAttempts=-2", "must be >= -1"},
		{"failover:(amqp://a)?initialReconnectDelay=-1", "must be >= 0"},
	} {
		_, err := ParseURI(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.in) {
			t.Errorf("ParseURI(%q) = %v, want an error naming the URI and containing %q", tc.in, err, tc.want)
		}
	}
}

func TestDelay(t *testing.T) {
	u, err := ParseURI("failover:(amqp://a)?initialReconnectDelay=100&maxReconnectDelay=1000&backOffMultiplier=3")
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{100, 300, 900, 1000, 1000}
	for i, w := range want {
		if d := u.Delay(i + 1); d != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", i+1, d, w*time.Millisecond)
		}
	}
	u.Exponential = false
	if d := u.Delay(4); d != 100*time.Millisecond {
		t.Errorf("linear Delay(4) = %v", d)
	}
}
