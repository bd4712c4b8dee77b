package embedded

import (
	"container/list"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/go-stomp/stomp/v3/frame"
)

// destination is one queue: a store and the subscriptions it feeds round
// robin. A topic subscription gets a private destination of its own, so
// prefetch and acks work the same way for both.
type destination struct {
	name string
	log  *slog.Logger

	mu    sync.Mutex
	store store
	subs  []*subscription
	rr    int // next subscription to try
}

// subscription is one SUBSCRIBE of one connection. Its delivery state is
// guarded by its destination's lock.
type subscription struct {
	c        *conn
	id       string // client's subscription id
	dest     string // destination as subscribed
	tag      string // internal index, prefix of the ack ids
	mode     string // frame.AckAuto, AckClient or AckClientIndividual
	prefetch int
	d        *destination
	topic    *topic // non-nil for a topic subscription

	seq      uint64                   // ack ids handed out
	unacked  list.List                // *delivery in delivery order
	byAck    map[string]*list.Element // ack id -> element of unacked
	detached bool                     // removed from d.subs
}

// delivery is a message handed to a subscription and not settled yet. For
// auto subscriptions it is settled once the MESSAGE frame has been written.
type delivery struct {
	sub *subscription
	e   *entry
	ack string
}

func newDestination(name string, st store, log *slog.Logger) *destination {
	return &destination{name: name, store: st, log: log}
}

// send stores m and hands it to a subscriber if one has room. It returns
// once the message is stored, so the caller may then send the RECEIPT.
func (d *destination) send(m *message) error {
	e, err := d.store.persist(m)
	if err != nil {
		return fmt.Errorf("destination %s: store message: %w", d.name, err)
	}
	d.mu.Lock()
	d.store.push(e)
	d.dispatchLocked()
	d.mu.Unlock()
	return nil
}

// attach adds a subscription and delivers what it has room for.
func (d *destination) attach(sub *subscription) {
	d.mu.Lock()
	d.subs = append(d.subs, sub)
	d.dispatchLocked()
	d.mu.Unlock()
}

// detach removes a subscription and requeues everything it has not acked,
// for the other subscribers (or the next one to come).
func (d *destination) detach(sub *subscription) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, s := range d.subs {
		if s == sub {
			d.subs = append(d.subs[:i], d.subs[i+1:]...)
			break
		}
	}
	sub.detached = true
	if n := sub.unacked.Len(); n > 0 {
		es := make([]*entry, 0, n)
		for el := sub.unacked.Front(); el != nil; el = el.Next() {
			es = append(es, el.Value.(*delivery).e)
		}
		sub.unacked.Init()
		clear(sub.byAck)
		if err := d.store.requeue(es); err != nil {
			d.log.Error("stomp broker: requeue failed", "destination", d.name, "err", err)
		}
	}
	d.dispatchLocked()
}

// dispatchLocked hands ready messages to subscriptions with room, round
// robin, until either runs out.
func (d *destination) dispatchLocked() {
	for len(d.subs) > 0 && d.store.waiting() > 0 {
		var sub *subscription
		for i := range d.subs {
			s := d.subs[(d.rr+i)%len(d.subs)]
			if s.unacked.Len() < s.prefetch {
				sub = s
				d.rr = (d.rr + i + 1) % len(d.subs)
				break
			}
		}
		if sub == nil {
			return
		}
		e, ok := d.store.next()
		if !ok {
			return
		}
		sub.seq++
		dl := &delivery{sub: sub, e: e, ack: sub.tag + "." + strconv.FormatUint(sub.seq, 10)}
		sub.byAck[dl.ack] = sub.unacked.PushBack(dl)
		ack := dl.ack
		if sub.mode == frame.AckAuto {
			ack = ""
		}
		sub.c.enqueue(out{f: e.m.frame(sub, ack, e.redelivered), settle: dl})
	}
}

// settle acknowledges (ack true) or rejects the delivery with ack id id,
// and, for cumulative client acks, every earlier delivery of the
// subscription. Rejected messages are requeued, marked redelivered.
func (d *destination) settle(sub *subscription, id string, ack bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	el, ok := sub.byAck[id]
	if !ok {
		if sub.detached {
			return nil // requeued when the subscription went away
		}
		return fmt.Errorf("no unacknowledged message with ack id %q on subscription %q", id, sub.id)
	}
	return d.settleLocked(sub, el, ack)
}

// settleMessageID is settle for STOMP 1.0/1.1 acks, which name the message
// id rather than an ack id.
func (d *destination) settleMessageID(sub *subscription, msgID string, ack bool) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for el := sub.unacked.Front(); el != nil; el = el.Next() {
		if el.Value.(*delivery).e.m.id == msgID {
			return true, d.settleLocked(sub, el, ack)
		}
	}
	return false, nil
}

func (d *destination) settleLocked(sub *subscription, el *list.Element, ack bool) error {
	var done []*entry
	if sub.mode == frame.AckClient {
		for {
			first := sub.unacked.Front()
			done = append(done, d.unlinkLocked(sub, first))
			if first == el {
				break
			}
		}
	} else {
		done = append(done, d.unlinkLocked(sub, el))
	}
	var err error
	if ack {
		for _, e := range done {
			if aerr := d.store.ack(e); aerr != nil && err == nil {
				err = fmt.Errorf("destination %s: remove acknowledged message: %w", d.name, aerr)
			}
		}
	} else if rerr := d.store.requeue(done); rerr != nil {
		err = fmt.Errorf("destination %s: requeue: %w", d.name, rerr)
	}
	d.dispatchLocked()
	return err
}

func (d *destination) unlinkLocked(sub *subscription, el *list.Element) *entry {
	dl := sub.unacked.Remove(el).(*delivery)
	delete(sub.byAck, dl.ack)
	return dl.e
}

// written is called once the MESSAGE of an auto-ack delivery left the
// broker: for auto subscriptions that is the acknowledgement.
func (dl *delivery) written() {
	if dl.sub.mode != frame.AckAuto {
		return
	}
	d := dl.sub.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := dl.sub.byAck[dl.ack]; ok {
		if err := d.settleLocked(dl.sub, el, true); err != nil {
			d.log.Error("stomp broker: auto ack failed", "destination", d.name, "err", err)
		}
	}
}
