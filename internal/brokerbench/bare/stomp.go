// Package bare holds the bare client loops the broker benchmarks compare
// the bricks brokers library and actor pipeline with: the same work (send
// persistent messages with receipts, consume with individual acks) done
// with go-stomp and go-amqp directly, with nothing of bricks in between.
// They back `bricks bench broker` (package brokerbench) and the Go
// benchmarks of brokers/stomp, brokers/amqp and brokers/embedded, which is
// why this package imports no bricks package: the broker packages' own
// tests import it without a cycle.
package bare

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/go-stomp/stomp/v3/frame"
)

// STOMPClient is a bare STOMP 1.2 client written with go-stomp's frame
// package: SEND frames are pipelined (go-stomp's Conn.Send with a receipt
// is stop-and-wait), ACKs written in batches. It is the physical limit of
// the frame codec and the socket, with no goroutine hop per message.
type STOMPClient struct {
	nc net.Conn
	r  *frame.Reader
	w  *frame.Writer
}

// DialSTOMP connects to addr (host:port) and logs in (login and passcode
// omitted when empty; host is the CONNECT host header, "/" for RabbitMQ).
// Heart-beats are off.
func DialSTOMP(ctx context.Context, addr, login, passcode, host string) (*STOMPClient, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bare stomp %s: %w", addr, err)
	}
	c := &STOMPClient{nc: nc, r: frame.NewReaderSize(nc, 64<<10), w: frame.NewWriter(nc)}
	f := frame.New(frame.CONNECT, frame.AcceptVersion, "1.2", frame.Host, host, frame.HeartBeat, "0,0")
	if login != "" {
		f.Header.Add(frame.Login, login)
		f.Header.Add(frame.Passcode, passcode)
	}
	if err := c.w.Write(f); err != nil {
		nc.Close()
		return nil, fmt.Errorf("bare stomp %s: CONNECT: %w", addr, err)
	}
	r, err := c.read()
	if err == nil && r.Command != frame.CONNECTED {
		err = fmt.Errorf("got %s instead of CONNECTED: %s", r.Command, r.Header.Get(frame.Message))
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bare stomp %s: CONNECT: %w", addr, err)
	}
	return c, nil
}

// Close closes the connection (no DISCONNECT: everything was confirmed).
func (c *STOMPClient) Close() error { return c.nc.Close() }

// read returns the next frame, skipping heart-beats; an ERROR frame is an
// error.
func (c *STOMPClient) read() (*frame.Frame, error) {
	for {
		f, err := c.r.Read()
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		if f.Command == frame.ERROR {
			return nil, fmt.Errorf("broker ERROR: %s %s", f.Header.Get(frame.Message), f.Body)
		}
		return f, nil
	}
}

// Send writes n persistent SEND frames of body to dest, each with a
// receipt, at most window of them unanswered, and returns once every
// RECEIPT arrived.
func (c *STOMPClient) Send(dest string, n, window int, body []byte) error {
	return c.SendEach(dest, n, window, func(int) ([]byte, error) { return body, nil }, nil)
}

// SendEach is Send with the bodies taken from body(i), and confirmed(i)
// called (if not nil) once message i's RECEIPT arrived: the bare loop of a
// program that sends what it reads from a queue and removes it on the
// receipt.
func (c *STOMPClient) SendEach(dest string, n, window int, body func(i int) ([]byte, error), confirmed func(i int) error) error {
	tokens := make(chan struct{}, max(window, 1))
	done := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			select {
			case tokens <- struct{}{}:
			case <-done:
				errc <- nil
				return
			}
			b, err := body(i)
			if err != nil {
				errc <- err
				return
			}
			f := frame.New(frame.SEND, frame.Destination, dest, "persistent", "true",
				frame.ContentType, "application/octet-stream", frame.ContentLength, strconv.Itoa(len(b)), frame.Receipt, strconv.Itoa(i))
			f.Body = b
			if err := c.w.Write(f); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	var err error
	for range n {
		var f *frame.Frame
		if f, err = c.read(); err != nil {
			break
		}
		if f.Command != frame.RECEIPT {
			err = fmt.Errorf("got %s instead of RECEIPT", f.Command)
			break
		}
		if confirmed != nil {
			i, _ := strconv.Atoi(f.Header.Get(frame.ReceiptId))
			if err = confirmed(i); err != nil {
				break
			}
		}
		<-tokens
	}
	close(done)
	if err != nil {
		c.nc.Close() // unblocks a write in progress
	}
	return errors.Join(err, <-errc)
}

// Consume subscribes to dest with client-individual acks and the given
// prefetch, and acknowledges n messages (whose bodies must be size bytes),
// one ACK frame per message, flushed every ackBatch ACKs (1: each at once).
func (c *STOMPClient) Consume(dest string, n, prefetch, ackBatch, size int) error {
	p := strconv.Itoa(prefetch)
	if err := c.w.Write(frame.New(frame.SUBSCRIBE, frame.Destination, dest, frame.Id, "s",
		frame.Ack, frame.AckClientIndividual, "prefetch-count", p, "activemq.prefetchSize", p)); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(c.nc, 16<<10)
	w := frame.NewWriter(laterFlush{bw})
	for i := range n {
		f, err := c.read()
		if err != nil {
			return err
		}
		if f.Command != frame.MESSAGE || len(f.Body) != size {
			return fmt.Errorf("got %s with a %d-byte body instead of a %d-byte MESSAGE", f.Command, len(f.Body), size)
		}
		if err := w.Write(frame.New(frame.ACK, frame.Id, f.Header.Get(frame.Ack))); err != nil {
			return err
		}
		if (i+1)%max(ackBatch, 1) == 0 || i == n-1 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// laterFlush hides Flush from frame.Writer, which flushes after every
// frame when it can: the ACKs are flushed in batches instead.
type laterFlush struct{ w io.Writer }

func (l laterFlush) Write(p []byte) (int, error) { return l.w.Write(p) }
