package amqp

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	goamqp "github.com/Azure/go-amqp"

	"github.com/bricksmq/bricks/queue"
)

// The header names mapped to the AMQP header section (see doc.go).
const (
	HeaderDurable       = "durable"
	HeaderPersistent    = "persistent" // STOMP spelling of durable, accepted on send
	HeaderPriority      = "priority"
	HeaderTTL           = "ttl"
	HeaderFirstAcquirer = "first-acquirer"
	HeaderDeliveryCount = "delivery-count"
)

// field maps one header name to an AMQP properties field: set parses the
// header value into p, get renders p's value ("" = absent).
type field struct {
	name string
	set  func(p *goamqp.MessageProperties, v string) error
	get  func(p *goamqp.MessageProperties) string
}

func strField(name string, f func(*goamqp.MessageProperties) **string) field {
	return field{name: name,
		set: func(p *goamqp.MessageProperties, v string) error { *f(p) = &v; return nil },
		get: func(p *goamqp.MessageProperties) string {
			if s := *f(p); s != nil {
				return *s
			}
			return ""
		}}
}

func timeField(name string, f func(*goamqp.MessageProperties) **time.Time) field {
	return field{name: name,
		set: func(p *goamqp.MessageProperties, v string) error {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("want milliseconds since the epoch")
			}
			t := time.UnixMilli(ms)
			*f(p) = &t
			return nil
		},
		get: func(p *goamqp.MessageProperties) string {
			if t := *f(p); t != nil {
				return strconv.FormatInt(t.UnixMilli(), 10)
			}
			return ""
		}}
}

// propertyFields is the properties section, in the order of the AMQP spec.
var propertyFields = []field{
	{name: "message-id",
		set: func(p *goamqp.MessageProperties, v string) error { p.MessageID = v; return nil },
		get: func(p *goamqp.MessageProperties) string { return idString(p.MessageID) }},
	{name: "user-id",
		set: func(p *goamqp.MessageProperties, v string) error { p.UserID = []byte(v); return nil },
		get: func(p *goamqp.MessageProperties) string { return idString(p.UserID) }},
	strField("to", func(p *goamqp.MessageProperties) **string { return &p.To }),
	strField("subject", func(p *goamqp.MessageProperties) **string { return &p.Subject }),
	strField("reply-to", func(p *goamqp.MessageProperties) **string { return &p.ReplyTo }),
	{name: "correlation-id",
		set: func(p *goamqp.MessageProperties, v string) error { p.CorrelationID = v; return nil },
		get: func(p *goamqp.MessageProperties) string { return idString(p.CorrelationID) }},
	strField("content-type", func(p *goamqp.MessageProperties) **string { return &p.ContentType }),
	strField("content-encoding", func(p *goamqp.MessageProperties) **string { return &p.ContentEncoding }),
	timeField("absolute-expiry-time", func(p *goamqp.MessageProperties) **time.Time { return &p.AbsoluteExpiryTime }),
	timeField("creation-time", func(p *goamqp.MessageProperties) **time.Time { return &p.CreationTime }),
	strField("group-id", func(p *goamqp.MessageProperties) **string { return &p.GroupID }),
	{name: "group-sequence",
		set: func(p *goamqp.MessageProperties, v string) error {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return fmt.Errorf("want an unsigned 32-bit integer")
			}
			s := uint32(n)
			p.GroupSequence = &s
			return nil
		},
		get: func(p *goamqp.MessageProperties) string {
			if p.GroupSequence != nil {
				return strconv.FormatUint(uint64(*p.GroupSequence), 10)
			}
			return ""
		}},
	strField("reply-to-group-id", func(p *goamqp.MessageProperties) **string { return &p.ReplyToGroupID }),
}

var propertyByName = func() map[string]field {
	m := make(map[string]field, len(propertyFields))
	for _, f := range propertyFields {
		m[f.name] = f
	}
	return m
}()

// idString renders a message-id / correlation-id / user-id: AMQP allows
// string, ulong, uuid and binary ids; binary that is not UTF-8 becomes hex.
func idString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return hex.EncodeToString(v)
	case goamqp.UUID:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// ToAMQP maps a message to its AMQP 1.0 form (table in the package doc):
// a text body becomes an amqp-value string, a binary body one data section;
// well-known header names fill the header and properties sections, the
// others become application-properties. A header value that does not parse
// (priority "high") is an error naming the header.
func ToAMQP(m *queue.Message) (*goamqp.Message, error) {
	if m == nil {
		return nil, fmt.Errorf("nil message")
	}
	am := &goamqp.Message{}
	if m.Text {
		if !utf8.Valid(m.Body) {
			return nil, fmt.Errorf("text body is not valid UTF-8")
		}
		am.Value = string(m.Body)
	} else {
		body := m.Body
		if body == nil {
			body = []byte{}
		}
		am.Data = [][]byte{body}
	}
	var props goamqp.MessageProperties
	var hasProps bool
	for _, k := range slices.Sorted(maps.Keys(m.Header)) {
		v := m.Header[k]
		if f, ok := propertyByName[k]; ok {
			if err := f.set(&props, v); err != nil {
				return nil, fmt.Errorf("header %s=%q: %w", k, v, err)
			}
			hasProps = true
			continue
		}
		handled, err := setHeader(am, k, v)
		if err != nil {
			return nil, fmt.Errorf("header %s=%q: %w", k, v, err)
		}
		if handled {
			continue
		}
		if am.ApplicationProperties == nil {
			am.ApplicationProperties = make(map[string]any, len(m.Header))
		}
		am.ApplicationProperties[k] = v
	}
	if hasProps {
		am.Properties = &props
	}
	return am, nil
}

// setHeader sets the header-section field named k, if it is one.
func setHeader(am *goamqp.Message, k, v string) (bool, error) {
	h := am.Header
	if h == nil {
		h = &goamqp.MessageHeader{Priority: 4}
	}
	switch k {
	case HeaderDurable, HeaderPersistent:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return true, fmt.Errorf("want true or false")
		}
		h.Durable = h.Durable || b
	case HeaderPriority:
		n, err := strconv.ParseUint(v, 10, 8)
		if err != nil {
			return true, fmt.Errorf("want an integer 0-255")
		}
		h.Priority = uint8(n)
	case HeaderTTL:
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return true, fmt.Errorf("want milliseconds (unsigned 32-bit integer)")
		}
		h.TTL = time.Duration(n) * time.Millisecond
	case HeaderFirstAcquirer:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return true, fmt.Errorf("want true or false")
		}
		h.FirstAcquirer = b
	case HeaderDeliveryCount:
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return true, fmt.Errorf("want an unsigned 32-bit integer")
		}
		h.DeliveryCount = uint32(n)
	default:
		return false, nil
	}
	am.Header = h
	return true, nil
}

// UnsupportedBodyError is a received message whose body has no
// queue.Message form: an amqp-sequence, or an amqp-value that is neither a
// string, binary nor null (a map, a number...).
type UnsupportedBodyError struct {
	// Kind describes the body, e.g. "amqp-value of type map[string]interface {}".
	Kind string
}

func (e *UnsupportedBodyError) Error() string {
	return "unsupported AMQP body: " + e.Kind + " (want data sections, or an amqp-value string, binary or null)"
}

// FromAMQP maps a received AMQP message to a queue.Message (table in the
// package doc). Data sections are concatenated into a binary body, an
// amqp-value string is a text body, an amqp-value binary a binary body; any
// other body is an *UnsupportedBodyError. Header-section fields are set only
// when they differ from their defaults (durable only when true).
func FromAMQP(am *goamqp.Message) (*queue.Message, error) {
	m := &queue.Message{Header: map[string]string{}}
	switch v := am.Value.(type) {
	case nil:
		if am.Sequence != nil {
			return nil, &UnsupportedBodyError{Kind: "amqp-sequence"}
		}
		switch len(am.Data) {
		case 0:
			m.Body = []byte{}
		case 1:
			m.Body = am.Data[0]
		default:
			m.Body = slices.Concat(am.Data...)
		}
	case string:
		m.Body, m.Text = []byte(v), true
	case []byte:
		m.Body = v
	default:
		return nil, &UnsupportedBodyError{Kind: fmt.Sprintf("amqp-value of type %T", v)}
	}
	for k, v := range am.ApplicationProperties {
		m.Header[k] = valueString(v)
	}
	if p := am.Properties; p != nil {
		for _, f := range propertyFields {
			if v := f.get(p); v != "" {
				m.Header[f.name] = v
			}
		}
	}
	if h := am.Header; h != nil {
		if h.Durable {
			m.Header[HeaderDurable] = "true"
		}
		if h.Priority != 4 {
			m.Header[HeaderPriority] = strconv.Itoa(int(h.Priority))
		}
		if h.TTL != 0 {
			m.Header[HeaderTTL] = strconv.FormatInt(h.TTL.Milliseconds(), 10)
		}
		if h.FirstAcquirer {
			m.Header[HeaderFirstAcquirer] = "true"
		}
		if h.DeliveryCount != 0 {
			m.Header[HeaderDeliveryCount] = strconv.FormatUint(uint64(h.DeliveryCount), 10)
		}
	}
	return m, nil
}

// valueString renders an application-property value (AMQP simple types).
func valueString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case goamqp.Symbol:
		return string(v)
	case []byte:
		return idString(v)
	case time.Time:
		return strconv.FormatInt(v.UnixMilli(), 10)
	case nil:
		return ""
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return strings.TrimSpace(fmt.Sprint(v))
	}
}
