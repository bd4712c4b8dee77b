package failover

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Address is one broker endpoint. The protocol packages define their own
// Address types with these very fields, converted to and from this one.
type Address struct {
	TLS  bool
	Host string
	Port int
}

// HostPort returns "host:port" for net.Dial.
func (a Address) HostPort() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

// Schemes describes the URI schemes of one protocol.
type Schemes struct {
	// Plain and TLS are the accepted schemes of plain and TLS addresses;
	// the first of each is the one addresses are rendered with.
	Plain, TLS []string
	// Port and TLSPort are the default ports.
	Port, TLSPort int
	// Want names the schemes in errors, e.g. "stomp or stomp+ssl".
	Want string
	// Credentials says, in errors, where credentials go instead of the URI.
	Credentials string
}

// Render renders a as scheme://host:port.
func (s *Schemes) Render(a Address) string {
	scheme := s.Plain[0]
	if a.TLS {
		scheme = s.TLS[0]
	}
	return scheme + "://" + a.HostPort()
}

// RenderList renders addresses as one address, or in the failover form.
func RenderList[A fmt.Stringer](addrs []A) string {
	if len(addrs) == 1 {
		return addrs[0].String()
	}
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = a.String()
	}
	return "failover:(" + strings.Join(parts, ",") + ")"
}

// Parse parses a broker URI:
//
//	scheme://host:port
//	failover:(scheme://a:port,scheme://b:port)?randomize=true&maxReconnectDelay=5000
//	failover:scheme://a:port,scheme://b:port
//
// and returns its addresses (converted to the protocol's Address type A),
// its Policy (the defaults for a single address) and whether it was a
// failover list. Errors name the URI.
func Parse[A ~struct {
	TLS  bool
	Host string
	Port int
}](s string, sch *Schemes) (addrs []A, p Policy, list bool, err error) {
	p = DefaultPolicy()
	defer func() {
		if err != nil {
			err = fmt.Errorf("broker uri %q: %w", s, err)
		}
	}()
	rest, list := strings.CutPrefix(strings.TrimSpace(s), "failover:")
	if !list {
		a, err := sch.parseAddress(rest)
		if err != nil {
			return nil, p, false, err
		}
		return []A{A(a)}, p, false, nil
	}
	var addrList, query string
	if inner, ok := strings.CutPrefix(rest, "("); ok {
		end := strings.LastIndexByte(inner, ')')
		if end < 0 {
			return nil, p, true, fmt.Errorf("missing ')' after the failover list")
		}
		addrList = inner[:end]
		if after := inner[end+1:]; after != "" {
			q, ok := strings.CutPrefix(after, "?")
			if !ok {
				return nil, p, true, fmt.Errorf("unexpected %q after the failover list", after)
			}
			query = q
		}
	} else {
		addrList, query, _ = strings.Cut(rest, "?")
	}
	for _, part := range strings.Split(addrList, ",") {
		a, err := sch.parseAddress(strings.TrimSpace(part))
		if err != nil {
			return nil, p, true, err
		}
		addrs = append(addrs, A(a))
	}
	if err := p.parseOptions(query); err != nil {
		return nil, p, true, err
	}
	return addrs, p, true, nil
}

func (sch *Schemes) parseAddress(s string) (Address, error) {
	if s == "" {
		return Address{}, fmt.Errorf("empty address")
	}
	pu, err := url.Parse(s)
	if err != nil {
		return Address{}, err
	}
	var a Address
	switch {
	case slices.Contains(sch.Plain, pu.Scheme):
		a.Port = sch.Port
	case slices.Contains(sch.TLS, pu.Scheme):
		a.TLS, a.Port = true, sch.TLSPort
	default:
		return Address{}, fmt.Errorf("address %q: unsupported scheme %q (want %s)", s, pu.Scheme, sch.Want)
	}
	if pu.User != nil || (pu.Path != "" && pu.Path != "/") || pu.RawQuery != "" {
		return Address{}, fmt.Errorf("address %q: only scheme://host:port is allowed (credentials go in %s, failover options after the list)", s, sch.Credentials)
	}
	a.Host = pu.Hostname()
	if a.Host == "" {
		return Address{}, fmt.Errorf("address %q: missing host", s)
	}
	if p := pu.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return Address{}, fmt.Errorf("address %q: bad port %q", s, p)
		}
		a.Port = n
	}
	return a, nil
}
