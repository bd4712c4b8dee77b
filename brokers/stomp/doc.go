// Package stomp is the STOMP client side of the bricks broker brick: a plain
// Go library (no actors) that sends and receives queue.Message values over
// STOMP 1.1/1.2 to RabbitMQ, ActiveMQ and other brokers, reliably.
//
// # Connecting
//
// ParseURI accepts the URIs stompclt users know: stomp://host:port,
// stomp+ssl://host:port (TLSOptions: CA, client certificate and key, server
// name) and failover lists such as
// failover:(stomp://a:61613,stomp://b:61613)?randomize=true, whose options
// drive the reconnection backoff. Options carry the authentication (Auth:
// plain login/passcode, x509 client certificate, or none), the virtual host
// (CONNECT "host" header, "/" by default, which RabbitMQ requires), extra
// CONNECT headers and the heart-beats. Dial returns a Conn; a refused
// CONNECT is a *BrokerError naming the broker, and failed rounds are spaced
// by the backoff, never retried in a hot loop.
//
// A Sender or a Receiver does not retry a refused CONNECT (wrong login or
// passcode, unknown virtual host), neither when it starts nor when it
// reconnects, whatever the URI's maxReconnectAttempts: it stops at once
// with a *LoginError naming the broker and quoting its reason (never the
// passcode). The login stays wrong until someone fixes it, so retrying
// inside the library would only hide it; the supervisor's restart is the
// retry, spaced by its backoff and counted against its intensity.
//
// Limits on what a broker may do: Options.MaxFrameSize (default
// DefaultMaxFrameSize, 64 MiB) bounds a frame from the broker, checked
// before its body is allocated (ErrFrameTooLarge fails the connection);
// Options.SubscribeTimeout (default: the connect timeout) bounds the wait
// for the RECEIPT of a SUBSCRIBE, and Options.ReceiptTimeout (default
// 30 s) the wait of a Sender for the RECEIPT of a SEND: a broker that
// swallows either is taken for dead, even if it keeps beating, and the
// connection is made again (*ReceiptTimeoutError for a SEND).
//
// # Sending: Sender
//
// Sender.Send writes a SEND frame with a receipt and returns without waiting
// for it: up to SenderOptions.Window messages are in flight (go-stomp's
// Conn.Send with a receipt is stop-and-wait; here frames are written with
// go-stomp's frame package on our own connection). Each message gets one
// Result on Sender.Results when its RECEIPT arrives — only then is it safe
// to remove it upstream. If the connection dies, the Sender reconnects and
// resends every unconfirmed message (at-least-once: duplicates possible,
// loss not); so it does when the oldest unconfirmed message waited longer
// than Options.ReceiptTimeout.
//
// Refusals are told apart. A message the broker refuses alone gets a
// Result with Err set and is not resent (a per-message Reject upstream):
// when the ERROR does not say which message it is about, the Sender finds
// out by resending the pending messages one at a time, and judges a
// message refused alone only once the broker accepts the next, different
// one. A refusal of the destination itself — no permission to write
// (RabbitMQ access_refused, ActiveMQ "not authorized"), a destination that
// does not exist, or a refusal striking two different messages in a row —
// would strike every message: none gets a Result, all stay pending, and
// the Sender stops with a *DestinationError, so that nothing is rejected
// for a configuration error and the caller offers the messages again once
// it is fixed.
//
// # Receiving: Receiver
//
// NewReceiver subscribes (SubscribeOptions: ack mode client-individual by
// default, also client and auto; prefetch sent as both
// activemq.prefetchSize and prefetch-count, default 100 for client acks
// because RabbitMQ otherwise pushes the whole queue; selector; extra
// headers) and delivers each message as a *Delivery: call Ack only once the
// message is safe downstream, or Nack. If the connection dies the Receiver
// reconnects and subscribes again; the broker redelivers what was not acked.
// A refused login stops it with a *LoginError, like a Sender.
//
// # Frames and messages
//
// FrameToMessage and MessageToFrame define the mapping (see mapping.go):
// headers are copied both ways except the per-delivery ones
// (DeliveryHeaders: message-id, subscription, ack, content-length, receipt,
// receipt-id); "destination" is kept; bodies are framed by content-length,
// so binary bodies with NUL bytes survive; header values are escaped per
// STOMP 1.2.
//
// # Concurrency
//
// Every type owns its goroutines and documents them: a Conn has a reader
// (dispatching RECEIPT, MESSAGE and ERROR frames and enforcing the broker's
// heart-beat with read deadlines: a broker silent for three periods fails
// the connection with *SilentError) and a heart-beater; a Sender and a
// Receiver add one goroutine each. All of them end on Close, which is
// checked with goleak in the tests. Results are reported on channels;
// blocking calls take a context.Context.
//
// # Actor kinds
//
// Two actor kinds wrap these types as stages of the pipeline protocol
// (kind.go): stomp.sender, a destination stage that turns each Deliver into
// a SEND and answers it once the Result is known, and stomp.receiver, a
// source stage that Delivers each message downstream and ACKs or NACKs it
// on the answer. There is no separate connection kind: each stomp.sender
// and each stomp.receiver owns its own reconnecting connection, held by
// its Sender or Receiver in a goroutine the actor owns. The library already
// reconnects inside, walking the failover list with its backoff and
// resending or resubscribing, so a shared connection actor would add
// messages and states without adding reliability; a stage fails to its
// supervisor when reconnection is exhausted (maxReconnectAttempts), at
// once when a broker refuses the login (*LoginError) and, for
// stomp.sender, when it refuses the destination (*DestinationError, the
// source keeping every message), and the supervisor decides what comes
// next, spacing its restarts by its backoff. The limits above are kind
// fields: max_frame_size (both kinds), subscribe_timeout (stomp.receiver)
// and receipt_timeout (stomp.sender).
//
// # Testing
//
// The tests run against the real brokers started by tests/brokers/start.sh
// (RabbitMQ STOMP on 127.0.0.1:61613, ActiveMQ STOMP on 127.0.0.1:61614,
// found by internal/brokertest; missing brokers fail under CI=true and skip
// otherwise) and against small fake servers for the failures real brokers
// cannot produce on demand (garbage, silence, refused logins and
// destinations, swallowed or oversized frames, receipts that never come).
package stomp
