package stomp

import (
	"sync/atomic"
	"testing"
)

// TestReceiverGivesUpOnARefusedLogin: like a Sender, a Receiver does not
// retry a refused login, even with an unlimited reconnection policy (the
// default): NewReceiver fails with a *LoginError after one connection,
// without waiting any backoff.
func TestReceiverGivesUpOnARefusedLogin(t *testing.T) {
	var refusing atomic.Bool
	var conns atomic.Int32
	refusing.Store(true)
	fb := refusedLogins(t, &refusing, &conns)
	opts := Options{Logger: quiet(), Auth: Auth{Scheme: "plain", Name: "u", Pass: "secret-pass"}}
	delays := recordDelays(&opts)
	_, err := NewReceiver(testCtx(t), fb.uri(t), opts, SubscribeOptions{Destination: "/queue/in"})
	checkLoginError(t, err, fb)
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	if d := delays(); len(d) != 0 {
		t.Errorf("delays %v, want none", d)
	}
}

// TestReceiverStopsWhenTheLoginIsRefusedOnReconnect: the broker drops the
// connection, then refuses the login (a password changed): the Receiver
// stops with a *LoginError after one refused reconnection, and closes
// Deliveries.
func TestReceiverStopsWhenTheLoginIsRefusedOnReconnect(t *testing.T) {
	var refusing atomic.Bool
	var conns atomic.Int32
	fb := refusedLogins(t, &refusing, &conns)
	opts := Options{Logger: quiet(), Auth: Auth{Scheme: "plain", Name: "u", Pass: "secret-pass"}}
	recordDelays(&opts)
	r, err := NewReceiver(testCtx(t), fb.uri(t), opts, SubscribeOptions{Destination: "/queue/in"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	refusing.Store(true)
	fb.dropAll()
	for d := range r.Deliveries() {
		t.Errorf("unexpected delivery %q", d.MessageID)
	}
	checkLoginError(t, r.Err(), fb)
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (the first, one refused)", n)
	}
}
