package brokertest

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// recordTB records Fatal and Skip instead of stopping the test.
type recordTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordTB) Helper()               {}
func (r *recordTB) Fatal(args ...any)     { r.fatal = fmt.Sprint(args...) }
func (r *recordTB) Skip(args ...any)      { r.skip = fmt.Sprint(args...) }
func (r *recordTB) Fatalf(string, ...any) { panic("unused") }

func TestRequire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	up := Broker{Name: "up", Addr: ln.Addr().String()}
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	down := Broker{Name: "down broker", Addr: ln2.Addr().String()}
	ln2.Close()
	defer ln.Close()

	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		r := &recordTB{TB: t}
		if got := require(r, up); got != up || r.fatal != "" || r.skip != "" {
			t.Fatalf("CI=%q: reachable broker: %+v fatal=%q skip=%q", ci, got, r.fatal, r.skip)
		}
		r = &recordTB{TB: t}
		require(r, down)
		msg := r.skip
		if ci == "true" {
			msg = r.fatal
			if r.skip != "" {
				t.Fatalf("CI=true must fail, not skip: %q", r.skip)
			}
		} else if r.fatal != "" {
			t.Fatalf("outside CI a missing broker is a skip, got fatal %q", r.fatal)
		}
		if !strings.Contains(msg, "down broker") || !strings.Contains(msg, down.Addr) || !strings.Contains(msg, "tests/brokers/start.sh") {
			t.Fatalf("CI=%q: message %q must name the broker, address and the script", ci, msg)
		}
	}
}
