package bare

import (
	"strconv"

	gostomp "github.com/go-stomp/stomp/v3"
)

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
// Conn.Ack, then unsubscribes.
func GoStompConsume(c *gostomp.Conn, dest string, n, prefetch int) error {
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
		if err := c.Ack(m); err != nil {
			return err
		}
	}
	return nil
}
