package bare

import (
	"context"
	"time"

	goamqp "github.com/Azure/go-amqp"
)

// AMQPSend sends n messages of body on s with go-amqp's SendWithReceipt,
// keeping at most window unsettled, and returns once every one was
// accepted. durable sets the AMQP header durable (persistent messages).
func AMQPSend(ctx context.Context, s *goamqp.Sender, n, window int, body []byte, durable bool) error {
	return AMQPSendEach(ctx, s, n, window, func(int) ([]byte, error) { return body, nil }, nil, durable)
}

// AMQPSendEach is AMQPSend with the bodies taken from body(i), and
// confirmed(i) called (if not nil) once message i was accepted.
func AMQPSendEach(ctx context.Context, s *goamqp.Sender, n, window int, body func(i int) ([]byte, error), confirmed func(i int) error, durable bool) error {
	window = max(window, 1)
	receipts := make([]goamqp.SendReceipt, 0, window)
	first := 0 // the message receipts[0] is for
	settle := func() error {
		if _, err := receipts[0].Wait(ctx); err != nil {
			return err
		}
		receipts = receipts[1:]
		first++
		if confirmed != nil {
			return confirmed(first - 1)
		}
		return nil
	}
	for i := range n {
		if len(receipts) == window {
			if err := settle(); err != nil {
				return err
			}
		}
		b, err := body(i)
		if err != nil {
			return err
		}
		m := goamqp.NewMessage(b)
		if durable {
			m.Header = &goamqp.MessageHeader{Durable: true}
		}
		r, err := s.SendWithReceipt(ctx, m, nil)
		if err != nil {
			return err
		}
		receipts = append(receipts, r)
	}
	for len(receipts) > 0 {
		if err := settle(); err != nil {
			return err
		}
	}
	return nil
}

// AMQPConsume accepts n messages on r, which must have been attached with
// manual credit (ReceiverOptions.Credit -1): it grants credit first, then
// credit/2 more each time credit/2 messages were accepted, like the bricks
// Receiver's defaults.
func AMQPConsume(ctx context.Context, r *goamqp.Receiver, n, credit int) error {
	return AMQPConsumeEach(ctx, r, n, credit, nil)
}

// AMQPConsumeEach is AMQPConsume giving each message to got (if not nil)
// before accepting it: the bare loop of a program that stores what it
// receives, then settles it.
func AMQPConsumeEach(ctx context.Context, r *goamqp.Receiver, n, credit int, got func(*goamqp.Message) error) error {
	credit = max(credit, 1)
	topUp := max(credit/2, 1)
	if err := r.IssueCredit(uint32(credit)); err != nil {
		return err
	}
	for i := 0; i < n; {
		// The same stall workaround as the bricks Receiver: without it
		// the loop hangs on RabbitMQ 3.10 now and then.
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		m, err := r.Receive(rctx, nil)
		cancel()
		if err != nil {
			if rctx.Err() != nil && ctx.Err() == nil {
				if err := r.IssueCredit(1); err != nil {
					return err
				}
				continue
			}
			return err
		}
		if got != nil {
			if err := got(m); err != nil {
				return err
			}
		}
		if err := r.AcceptMessage(ctx, m); err != nil {
			return err
		}
		i++
		if i%topUp == 0 {
			if err := r.IssueCredit(uint32(topUp)); err != nil {
				return err
			}
		}
	}
	return nil
}
