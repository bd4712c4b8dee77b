package embedded

import (
	"container/list"
	"strconv"
	"strings"

	"github.com/go-stomp/stomp/v3/frame"
)

// Prefetch headers understood on SUBSCRIBE: RabbitMQ's and ActiveMQ's.
const (
	headerPrefetchCount = "prefetch-count"
	headerPrefetchSize  = "activemq.prefetchSize"
)

// need returns header name of f, or a protoError naming what is missing.
func need(f *frame.Frame, name string) (string, error) {
	if v := f.Header.Get(name); v != "" {
		return v, nil
	}
	return "", protoErrorf("missing header", "%s frame needs a %q header", f.Command, name)
}

// inTransaction buffers f when it names a transaction, reporting whether
// it did.
func (c *conn) inTransaction(f *frame.Frame) (bool, error) {
	id, ok := f.Header.Contains(frame.Transaction)
	if !ok {
		return false, nil
	}
	frames, open := c.tx[id]
	if !open {
		return true, protoErrorf("unknown transaction", "%s names transaction %q, which was not begun (or is over)", f.Command, id)
	}
	f.Header.Del(frame.Transaction)
	c.tx[id] = append(frames, f)
	return true, nil
}

func (c *conn) handleSend(f *frame.Frame) error {
	dest, err := need(f, frame.Destination)
	if err != nil {
		return err
	}
	if buffered, err := c.inTransaction(f); buffered || err != nil {
		return err
	}
	m := newMessage(c.s.nextMessageID(), f)
	if isTopic(dest) {
		c.s.publish(dest, m)
		return nil
	}
	d, err := c.queue(dest)
	if err != nil {
		return err
	}
	return d.send(m)
}

// queue returns the destination of a queue, cached per connection.
func (c *conn) queue(dest string) (*destination, error) {
	if d, ok := c.dests[dest]; ok {
		return d, nil
	}
	d, err := c.s.queue(queueName(dest))
	if err != nil {
		return nil, err
	}
	c.dests[dest] = d
	return d, nil
}

func (c *conn) handleSubscribe(f *frame.Frame) error {
	dest, err := need(f, frame.Destination)
	if err != nil {
		return err
	}
	id := f.Header.Get(frame.Id)
	if id == "" {
		if c.version != "1.0" {
			return protoErrorf("missing header", "SUBSCRIBE frame needs an %q header", frame.Id)
		}
		id = dest // STOMP 1.0 subscriptions are named by their destination
	}
	if _, dup := c.subs[id]; dup {
		return protoErrorf("duplicate subscription", "subscription id %q is already in use on this connection", id)
	}
	mode := f.Header.Get(frame.Ack)
	switch mode {
	case "":
		mode = frame.AckAuto
	case frame.AckAuto, frame.AckClient, frame.AckClientIndividual:
	default:
		return protoErrorf("invalid ack mode", "ack %q: want auto, client or client-individual", mode)
	}
	prefetch := c.s.opts.Prefetch
	for _, h := range []string{headerPrefetchCount, headerPrefetchSize} {
		if v, ok := f.Header.Contains(h); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return protoErrorf("invalid prefetch", "%s %q: want a count of messages (0 = broker default)", h, v)
			}
			if n > 0 {
				prefetch = n
			}
			break
		}
	}
	sub := &subscription{c: c, id: id, dest: dest, mode: mode, prefetch: prefetch,
		tag: strconv.Itoa(c.nextTag), byAck: map[string]*list.Element{}}
	c.nextTag++
	if isTopic(dest) {
		sub.d = newDestination(dest, &memoryStore{}, c.log)
		sub.topic = c.s.topic(dest)
		sub.topic.add(sub)
	} else {
		if sub.d, err = c.queue(dest); err != nil {
			return err
		}
	}
	c.subs[id] = sub
	c.byTag[sub.tag] = sub
	sub.d.attach(sub)
	return nil
}

func (c *conn) handleUnsubscribe(f *frame.Frame) error {
	id := f.Header.Get(frame.Id)
	if id == "" && c.version == "1.0" {
		id = f.Header.Get(frame.Destination)
	}
	if id == "" {
		return protoErrorf("missing header", "UNSUBSCRIBE frame needs an %q header", frame.Id)
	}
	sub, ok := c.subs[id]
	if !ok {
		return protoErrorf("unknown subscription", "no subscription %q on this connection", id)
	}
	c.unsubscribe(sub)
	return nil
}

// unsubscribe ends a subscription; its unacknowledged messages go back to
// the queue (a topic subscription's die with it).
func (c *conn) unsubscribe(sub *subscription) {
	delete(c.subs, sub.id)
	delete(c.byTag, sub.tag)
	if sub.topic != nil {
		sub.topic.remove(sub)
	}
	sub.d.detach(sub)
	if sub.topic != nil {
		sub.d.mu.Lock()
		_ = sub.d.store.close()
		sub.d.mu.Unlock()
	}
}

// handleAck handles ACK (ack true) and NACK. STOMP 1.2 names the delivery
// by "id" (the MESSAGE's "ack" header); 1.0 and 1.1 by "message-id" and
// "subscription".
func (c *conn) handleAck(f *frame.Frame, ack bool) error {
	if buffered, err := c.inTransaction(f); buffered || err != nil {
		return err
	}
	msgID := f.Header.Get(frame.MessageId)
	if id := f.Header.Get(frame.Id); id != "" && (c.version == "1.2" || msgID == "") {
		tag, _, _ := strings.Cut(id, ".")
		sub, ok := c.byTag[tag]
		if !ok {
			return protoErrorf("unknown ack id", "%s id %q matches no unacknowledged message of this connection", f.Command, id)
		}
		if err := sub.d.settle(sub, id, ack); err != nil {
			return protoErrorf("unknown ack id", "%s: %v", f.Command, err)
		}
		return nil
	}
	if msgID == "" {
		return protoErrorf("missing header", "%s frame needs an %q header (STOMP 1.2) or %q (1.0, 1.1)", f.Command, frame.Id, frame.MessageId)
	}
	subs := c.subs
	if sid, ok := f.Header.Contains(frame.Subscription); ok {
		sub, ok := c.subs[sid]
		if !ok {
			return protoErrorf("unknown subscription", "%s names subscription %q, which does not exist on this connection", f.Command, sid)
		}
		subs = map[string]*subscription{sid: sub}
	}
	for _, sub := range subs {
		found, err := sub.d.settleMessageID(sub, msgID, ack)
		if err != nil {
			return err
		}
		if found {
			return nil
		}
	}
	return protoErrorf("unknown message-id", "%s message-id %q matches no unacknowledged message of this connection", f.Command, msgID)
}

func (c *conn) handleBegin(f *frame.Frame) error {
	id, err := need(f, frame.Transaction)
	if err != nil {
		return err
	}
	if _, dup := c.tx[id]; dup {
		return protoErrorf("duplicate transaction", "transaction %q is already open", id)
	}
	c.tx[id] = nil
	return nil
}

func (c *conn) handleCommit(f *frame.Frame) error {
	frames, err := c.endTransaction(f)
	if err != nil {
		return err
	}
	for _, tf := range frames {
		tf.Header.Del(frame.Receipt) // answered when buffered
		if _, err := c.dispatch(tf); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) handleAbort(f *frame.Frame) error {
	_, err := c.endTransaction(f)
	return err
}

func (c *conn) endTransaction(f *frame.Frame) ([]*frame.Frame, error) {
	id, err := need(f, frame.Transaction)
	if err != nil {
		return nil, err
	}
	frames, ok := c.tx[id]
	if !ok {
		return nil, protoErrorf("unknown transaction", "%s names transaction %q, which was not begun (or is over)", f.Command, id)
	}
	delete(c.tx, id)
	return frames, nil
}
