package bare

import (
	"fmt"
	"strconv"

	gostomp "github.com/go-stomp/stomp/v3"
)

// DialGoStomp connects with go-stomp to addr (host:port), logging in when
// login is not empty, with channels big enough for prefetch messages in
// flight. go-stomp's default channels (20 frames) deadlock a consumer with
// a larger prefetch: its one I/O goroutine blocks handing a MESSAGE to the
// subscription while the caller blocks queueing an ACK behind it.
func DialGoStomp(addr, login, passcode, host string, prefetch int) (*gostomp.Conn, error) {
	opts := []func(*gostomp.Conn) error{gostomp.ConnOpt.Host(host),
		gostomp.ConnOpt.ReadChannelCapacity(2 * prefetch), gostomp.ConnOpt.WriteChannelCapacity(2 * prefetch)}
	if login != "" {
		opts = append(opts, gostomp.ConnOpt.Login(login, passcode))
	}
	c, err := gostomp.Dial("tcp", addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("go-stomp %s: %w", addr, err)
	}
	return c, nil
}

// GoStompSend sends n persistent messages of body to dest with go-stomp's
// Conn.Send and a receipt each: stop-and-wait, the only way go-stomp sends
// with receipts (window 1).
func GoStompSend(c *gostomp.Conn, dest string, n int, body []byte) error {
	for range n {
		if err := c.Send(dest, "", body, gostomp.SendOpt.Receipt, gostomp.SendOpt.Header("persistent", "true")); err != nil {
			return err
		}
	}
	return nil
}

// GoStompConsume subscribes to dest with client-individual acks and the
// given prefetch (sent as RabbitMQ's prefetch-count and ActiveMQ's
// activemq.prefetchSize) and acknowledges n messages with go-stomp's
// Conn.Ack; messages received beyond n are left unacknowledged. The caller
// disconnects, which ends the subscription.
func GoStompConsume(c *gostomp.Conn, dest string, n, prefetch int) error {
	return GoStompConsumeEach(c, dest, n, prefetch, nil)
}

// GoStompConsumeEach is GoStompConsume giving each message to got (if not
// nil) before acknowledging it.
func GoStompConsumeEach(c *gostomp.Conn, dest string, n, prefetch int, got func(*gostomp.Message) error) error {
	p := strconv.Itoa(prefetch)
	sub, err := c.Subscribe(dest, gostomp.AckClientIndividual,
		gostomp.SubscribeOpt.Header("prefetch-count", p), gostomp.SubscribeOpt.Header("activemq.prefetchSize", p))
	if err != nil {
		return err
	}
	for range n {
		m, ok := <-sub.C
		if !ok {
			return gostomp.ErrCompletedSubscription
		}
		if m.Err != nil {
			return m.Err
		}
		if got != nil {
			if err := got(m); err != nil {
				return err
			}
		}
		if err := c.Ack(m); err != nil {
			return err
		}
	}
	// Messages prefetched beyond n (not acknowledged: the broker gives them
	// to the next consumer once the connection closes) must be taken off
	// sub.C, or go-stomp's I/O goroutine blocks. No UNSUBSCRIBE: go-stomp
	// v3.1.3's Unsubscribe can miss the wake-up of its RECEIPT, report a
	// timeout for an answered UNSUBSCRIBE and leave a goroutine behind;
	// the caller's Disconnect ends the subscription (and this goroutine).
	go func() {
		for range sub.C {
		}
	}()
	return nil
}
