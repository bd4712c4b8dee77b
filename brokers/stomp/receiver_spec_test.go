package stomp

import (
	"testing"
	"time"

	"github.com/bricksmq/bricks/internal/kindtest"
)

// TestKindLimitFields: max_frame_size (both kinds) and subscribe_timeout
// (stomp.receiver) reach the Options, and a zero limit is refused where
// it stands.
func TestKindLimitFields(t *testing.T) {
	for kind, own := range map[string]string{SenderKindName: "", ReceiverKindName: "destination: /queue/x\nto: next\n"} {
		flow := "{uri: stomp://127.0.0.1:1, max_frame_size: 0}"
		if kind == ReceiverKindName {
			flow = "{uri: stomp://127.0.0.1:1, destination: /queue/x, to: w, max_frame_size: 0}"
		}
		c, err := connectionFrom(decodeWith(t, kind, own+"uri: stomp://127.0.0.1:61613\nmax_frame_size: 4096\n"))
		if err != nil || c.opts.MaxFrameSize != 4096 {
			t.Errorf("%s: max_frame_size gave %d, %v", kind, c.opts.MaxFrameSize, err)
		}
		c, err = connectionFrom(decodeWith(t, kind, own+"uri: stomp://127.0.0.1:61613\n"))
		if err != nil || c.opts.MaxFrameSize != DefaultMaxFrameSize {
			t.Errorf("%s: default max_frame_size %d, %v; want %d", kind, c.opts.MaxFrameSize, err, DefaultMaxFrameSize)
		}
		kindtest.ConfigError(t, kind, flow, "max_frame_size: must be at least 1, got 0")
	}
	a, err := newReceiverActor(decodeWith(t, ReceiverKindName,
		"destination: /queue/x\nto: next\nuri: stomp://127.0.0.1:61613\nsubscribe_timeout: 2s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.(*receiverActor).conn.opts.SubscribeTimeout; got != 2*time.Second {
		t.Errorf("subscribe_timeout gave %s, want 2s", got)
	}
}
