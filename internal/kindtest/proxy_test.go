package kindtest

import (
	"bufio"
	"io"
	"net"
	"testing"
)

// roundTrip sends a line through c and returns the answer, or the error.
func roundTrip(c net.Conn, r *bufio.Reader) (string, error) {
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

// TestProxy checks that the Proxy forwards, that Cut ends the connections
// it carries, that it refuses connections while Down, and that Up brings it
// back on the same address.
func TestProxy(t *testing.T) {
	CheckLeaks(t)
	target := Serve(t, func(c net.Conn) { _, _ = io.Copy(c, c) }) // echoes
	p := NewProxy(t, target)
	addr := p.Addr()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(c, r); err != nil || got != "ping\n" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	p.Cut()
	if got, err := roundTrip(c, r); err == nil {
		t.Fatalf("after Cut the connection still answers %q", got)
	}
	p.Down()
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("connected while the proxy is down")
	}
	p.Up(t)
	if p.Addr() != addr {
		t.Fatalf("back on %s, want %s", p.Addr(), addr)
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got, err := roundTrip(c2, bufio.NewReader(c2)); err != nil || got != "ping\n" {
		t.Fatalf("after Up: %q, %v", got, err)
	}
}
