package stomp

import "testing"

// TestReceiverGivesUpOnARefusedLogin: like a Sender, a Receiver does not
// retry a refused login, even with an unlimited reconnection policy (the
// default): NewReceiver fails with a *LoginError after one connection,
// without waiting any backoff.
func TestReceiverGivesUpOnARefusedLogin(t *testing.T) {
	fb, opts, delays := newLoginBroker(t, true)
	_, err := NewReceiver(testCtx(t), fb.uri(t), opts, SubscribeOptions{Destination: "/queue/in"})
	fb.checkGaveUp(t, err, delays)
}

// TestReceiverStopsWhenTheLoginIsRefusedOnReconnect: the broker drops the
// connection, then refuses the login (a password changed): the Receiver
// stops with a *LoginError after one refused reconnection, and closes
// Deliveries.
func TestReceiverStopsWhenTheLoginIsRefusedOnReconnect(t *testing.T) {
	fb, opts, _ := newLoginBroker(t, false)
	r, err := NewReceiver(testCtx(t), fb.uri(t), opts, SubscribeOptions{Destination: "/queue/in"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fb.refuseFromNowOn()
	for d := range r.Deliveries() {
		t.Errorf("unexpected delivery %q", d.MessageID)
	}
	fb.checkStoppedOnReconnect(t, r.Err())
}
