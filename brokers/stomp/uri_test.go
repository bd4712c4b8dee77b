package stomp

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		in    string
		addrs []Address
		check func(*URI) bool
	}{
		{"stomp://h:1234", []Address{{Host: "h", Port: 1234}}, nil},
		{"stomp://h", []Address{{Host: "h", Port: 61613}}, nil},
		{"stomp+ssl://h", []Address{{TLS: true, Host: "h", Port: 61612}}, nil},
		{"stomp+ssl://[::1]:9", []Address{{TLS: true, Host: "::1", Port: 9}}, nil},
		{"failover:(stomp://a:1,stomp+ssl://b:2)?randomize=true",
			[]Address{{Host: "a", Port: 1}, {TLS: true, Host: "b", Port: 2}},
			func(u *URI) bool { return u.Randomize && u.MaxAttempts == -1 }},
		{"failover:stomp://a:1,stomp://b:2?maxReconnectAttempts=3&initialReconnectDelay=50",
			[]Address{{Host: "a", Port: 1}, {Host: "b", Port: 2}},
			func(u *URI) bool { return u.MaxAttempts == 3 && u.InitialDelay == 50*time.Millisecond && !u.Randomize }},
		{"failover:(stomp://a:1)?useExponentialBackOff=false&maxReconnectDelay=2000&backOffMultiplier=3",
			[]Address{{Host: "a", Port: 1}},
			func(u *URI) bool { return !u.Exponential && u.MaxDelay == 2*time.Second && u.Multiplier == 3 }},
	} {
		u, err := ParseURI(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if !reflect.DeepEqual(u.Addresses, tc.addrs) {
			t.Fatalf("%s: addresses %+v, want %+v", tc.in, u.Addresses, tc.addrs)
		}
		if tc.check != nil && !tc.check(u) {
			t.Fatalf("%s: options %+v", tc.in, u)
		}
	}
}

func TestParseURIErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "empty address",
		"http://h:1":                         "unsupported scheme",
		"stomp://:1":                         "missing host",
		"stomp://h:0":                        "bad port",
		"stomp://u:p@h:1":                    "only scheme://host:port",
		"stomp://h:1/vhost":                  "only scheme://host:port",
		"failover:(stomp://a:1":              "missing ')'",
		"failover:(stomp://a:1)x":            "unexpected",
		"failover:(stomp://a:1)?bogus=1":     `unknown failover option "bogus"`,
		"failover:(stomp://a:1)?randomize=x": "randomize",
		"failover:(stomp://a:1,)":            "empty address",
		"failover:(stomp://a:1)?backOffMultiplier=0.5":    "must be >= 1",
		"failover:(stomp://a:1)?initialReconnectDelay=-1": "must be >= 0",
	} {
		_, err := ParseURI(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "broker uri") {
			t.Errorf("ParseURI(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestURIDelay(t *testing.T) {
	u, _ := ParseURI("failover:(stomp://a:1)?initialReconnectDelay=10&maxReconnectDelay=100&backOffMultiplier=3")
	var got []time.Duration
	for n := 1; n <= 5; n++ {
		got = append(got, u.delay(n))
	}
	want := []time.Duration{10, 30, 90, 100, 100}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays %v, want %v ms", got, want)
		}
	}
	if s := u.String(); s != "stomp://a:1" {
		t.Fatalf("String() = %q", s)
	}
}
