package failover

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type addr struct {
	TLS  bool
	Host string
	Port int
}

var testSchemes = &Schemes{Plain: []string{"x", "tcp"}, TLS: []string{"xs", "ssl"}, Port: 1, TLSPort: 2,
	Want: "x or xs", Credentials: "the options"}

func (a addr) String() string { return testSchemes.Render(Address(a)) }

func TestParse(t *testing.T) {
	addrs, p, list, err := Parse[addr]("x://h", testSchemes)
	if err != nil || list || len(addrs) != 1 || addrs[0] != (addr{Host: "h", Port: 1}) || p != DefaultPolicy() {
		t.Fatalf("single: %v %+v %v %v", addrs, p, list, err)
	}
	addrs, p, list, err = Parse[addr]("failover:(x://a:5,ssl://[::1])?randomize=true&maxReconnectAttempts=3&initialReconnectDelay=7", testSchemes)
	if err != nil || !list {
		t.Fatal(err)
	}
	if want := []addr{{Host: "a", Port: 5}, {TLS: true, Host: "::1", Port: 2}}; len(addrs) != 2 || addrs[0] != want[0] || addrs[1] != want[1] {
		t.Errorf("addresses %+v, want %+v", addrs, want)
	}
	if !p.Randomize || p.MaxAttempts != 3 || p.InitialDelay != 7*time.Millisecond || p.MaxDelay != DefaultMaxDelay {
		t.Errorf("policy %+v", p)
	}
	if s := RenderList(addrs); s != "failover:(x://a:5,xs://[::1]:2)" {
		t.Errorf("RenderList = %q", s)
	}
	for in, want := range map[string]string{
		"y://h":                    `unsupported scheme "y" (want x or xs)`,
		"x://u:p@h":                "credentials go in the options",
		"failover:(x://a,)":        "empty address",
		"failover:(x://a)?z=1":     `unknown failover option "z"`,
		"failover:x://a?randomize": "randomize",
	} {
		if _, _, _, err := Parse[addr](in, testSchemes); err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), `broker uri "`+in+`"`) {
			t.Errorf("Parse(%q) = %v, want an error naming the URI with %q", in, err, want)
		}
	}
}

func TestPolicyDelay(t *testing.T) {
	p := Policy{InitialDelay: 10, MaxDelay: 100, Exponential: true, Multiplier: 3}
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, p.Delay(n))
	}
	if want := []time.Duration{10, 30, 90, 100, 100}; !slices.Equal(got, want) {
		t.Errorf("delays %v, want %v", got, want)
	}
	p.Exponential = false
	if d := p.Delay(4); d != 10 {
		t.Errorf("linear Delay(4) = %v", d)
	}
}

func TestRoundAndRedial(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	addrs := []addr{{Host: "a", Port: 1}, {Host: "b", Port: 1}}
	var tried []string
	dial := func(_ context.Context, a addr) (string, error) {
		tried = append(tried, a.Host)
		return "", errors.New("refused " + a.Host)
	}
	var delays []time.Duration
	b := &Backoff{After: func(d time.Duration) <-chan time.Time {
		delays = append(delays, d)
		c := make(chan time.Time, 1)
		c <- time.Time{}
		return c
	}}
	p := Policy{InitialDelay: 5, MaxDelay: 100, Exponential: true, Multiplier: 2, MaxAttempts: 2}
	_, err := Redial(context.Background(), b, p, log, "x", "failover:(x://a:1,x://b:1)",
		func(ctx context.Context) (string, error) { return Round(ctx, addrs, false, "U", log, "x", dial) }, nil)
	if err == nil || !strings.Contains(err.Error(), "no broker of U accepted") || !strings.Contains(err.Error(), "refused b") {
		t.Errorf("err = %v", err)
	}
	if want := "a b a b a b"; strings.Join(tried, " ") != want {
		t.Errorf("tried %v, want %s (three rounds in order)", tried, want)
	}
	if want := []time.Duration{5, 10}; !slices.Equal(delays, want) {
		t.Errorf("delays %v, want %v", delays, want)
	}
	// A final error stops at once.
	tried, b = nil, &Backoff{}
	_, err = Redial(context.Background(), b, p, log, "x", "U",
		func(ctx context.Context) (string, error) { return Round(ctx, addrs[:1], false, "U", log, "x", dial) },
		func(error) bool { return true })
	if err == nil || err.Error() != "refused a" || len(tried) != 1 {
		t.Errorf("final: err %v after %v", err, tried)
	}
	// A cancelled wait gives the last error and the cause.
	ctx, cancel := context.WithCancel(context.Background())
	b = &Backoff{After: func(time.Duration) <-chan time.Time { cancel(); return nil }}
	_, err = Redial(ctx, b, Policy{MaxAttempts: -1}, log, "x", "U",
		func(ctx context.Context) (string, error) { return Round(ctx, addrs[:1], true, "U", log, "x", dial) }, nil)
	if err == nil || !strings.Contains(err.Error(), "refused a (giving up: context canceled)") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestTLSConfig(t *testing.T) {
	c, err := TLS{ServerName: "n"}.Config("h")
	if err != nil || c.ServerName != "n" || c.RootCAs != nil {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := (TLS{CAFile: "/nonexistent/ca.pem"}).Config("h"); err == nil || !strings.Contains(err.Error(), "tls ca") {
		t.Errorf("missing CA file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bad, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (TLS{CAFile: bad}).Config("h"); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("bad CA file: %v", err)
	}
	if _, err := (TLS{CertFile: bad, KeyFile: bad}).Config("h"); err == nil || !strings.Contains(err.Error(), "client certificate") {
		t.Errorf("bad client certificate: %v", err)
	}
}

func TestDefaultIfZero(t *testing.T) {
	if DefaultIfZero(0, 5) != 5 || DefaultIfZero(-1, 5) != 0 || DefaultIfZero(3, 5) != 3 {
		t.Error("DefaultIfZero")
	}
}
