// Package amqp is the AMQP 1.0 client brick: connections, senders and
// receivers that move queue.Message values to and from an AMQP 1.0 broker
// (RabbitMQ with its amqp1_0 plugin, Qpid, ActiveMQ Artemis, Azure Service
// Bus...) without losing any. It is a plain Go library on top of
// github.com/Azure/go-amqp; the actor kinds amqp.sender and amqp.receiver
// (kind.go) are built on it.
//
// # Connecting
//
// DialURI (or ParseURI + Dial) opens a Conn:
//
//	c, err := amqp.DialURI(ctx, "amqp://127.0.0.1:5672", amqp.Options{
//		SASL: amqp.SASL{Mechanism: amqp.SASLPlain, Username: "guest", Password: "guest"},
//	})
//
// amqps:// uses TLS (Options.TLS: CA, client certificate); SASL is PLAIN,
// ANONYMOUS or EXTERNAL (the TLS client certificate). A failover URI,
// failover:(amqp://a:5672,amqp://b:5672)?maxReconnectDelay=5000, tries the
// addresses in turn with the STOMP brick's backoff; a plain address is
// tried once. A refused login is an *AuthError naming the broker and user,
// and is never retried. A Conn does not reconnect by itself: when Done is
// closed, dial again (the actor kinds restart).
//
// # Sending: a window of unsettled deliveries
//
// Sender.Send writes a message unsettled and returns without waiting for
// the broker; up to SenderOptions.Window messages are in flight. Each one
// gets exactly one Confirmation, in send order, with the caller's id: Err
// nil once the broker answered "accepted" (RabbitMQ does so on publisher
// confirm, i.e. when the message is safe), otherwise a *DispositionError
// (rejected, released, modified) or the link failure. Only a confirmed
// message may leave its source; the others are sent again (at-least-once).
//
//	s, _ := c.NewSender(ctx, "/amq/queue/orders", amqp.SenderOptions{Window: 100})
//	go func() {
//		for conf := range s.Confirmations() {
//			// conf.ID is done (conf.Err == nil) or must be retried
//		}
//	}()
//	err = s.Send(ctx, "element-0001", msg)
//
// # Receiving: credit, then accept after the downstream confirmed
//
// A Receiver grants the broker ReceiverOptions.Credit messages (the
// prefetch, default 1000) and tops the credit up as deliveries are settled
// (by TopUp, default 500), so at most Credit messages are held unsettled.
// Each Delivery is settled once, from any goroutine, after the message is
// safe downstream: Accept removes it from the broker; Release gives it
// back; Reject refuses it (discarded or dead-lettered); Modify is a release
// with flags. Unsettled messages are redelivered when the connection or
// receiver closes.
//
//	r, _ := c.NewReceiver(ctx, "/amq/queue/orders", amqp.ReceiverOptions{})
//	for d := range r.Deliveries() {
//		// store d.Message, then
//		_ = d.Accept(ctx)
//	}
//
// # Goroutines and closing
//
// A Sender owns one goroutine (waiting for dispositions), a Receiver one
// (receiving, with the stall watchdog); go-amqp runs its own per
// connection, session and link. All of them end on Close, which never
// waits for the broker longer than Options.CloseTimeout per session (plus
// a frame write): links are not detached one by one, because RabbitMQ 3.10
// never answers a detach, but their sessions are ended.
//
// # Message mapping
//
// queue.Message has a header of strings and a text or binary body. On
// send (ToAMQP) and receive (FromAMQP):
//
//	queue.Message                    AMQP 1.0 section / field
//	-------------------------------  ----------------------------------------------
//	text body (Text=true)            amqp-value holding a string
//	binary body                      one data section (received: all data
//	                                 sections concatenated, or an amqp-value
//	                                 binary; other bodies: *UnsupportedBodyError)
//	message-id, correlation-id       properties (sent as strings; received
//	                                 ulong as decimal, uuid as 8-4-4-4-12,
//	                                 binary as text if UTF-8 else hex)
//	user-id                          properties user-id (binary)
//	to, subject, reply-to,           properties (strings; content-type and
//	content-type, content-encoding,  content-encoding are symbols)
//	group-id, reply-to-group-id
//	group-sequence                   properties (uint)
//	creation-time,                   properties (timestamps; header values
//	absolute-expiry-time             in milliseconds since the epoch)
//	durable (also persistent: true)  header durable; received only when true
//	priority                         header priority (0-255; 4, the
//	                                 default, is not repeated on receive)
//	ttl                              header ttl (milliseconds)
//	first-acquirer, delivery-count   header (received only when set)
//	any other header                 application-properties (string values;
//	                                 received values of other simple types
//	                                 are rendered: 42, true, 1.5, timestamps
//	                                 in ms)
//
// Header values that do not parse (priority "high") make Send fail with an
// error naming the header. Delivery and message annotations and footers
// are not mapped (they are on Delivery.Raw). A header "destination" is an
// application property like any other: the node a message goes to is the
// Sender's target address.
//
// # Broker notes (measured with RabbitMQ 3.10.8 and Qpid Proton's example broker)
//
//   - RabbitMQ addresses: "/amq/queue/NAME" is an existing queue; declare it
//     durable first (a STOMP SUBSCRIBE to /queue/NAME, rabbitmqctl or the
//     management API): a receiver attached to "/queue/NAME" declares a
//     non-durable queue. A message sent to "/amq/queue/NAME" when NAME does
//     not exist is unroutable, yet confirmed — and dropped.
//   - Messages are persistent on RabbitMQ only with durable=true (the
//     "durable" header or SenderOptions.Durable).
//   - RabbitMQ fills in subject with the routing key (the queue name for
//     /amq/queue/NAME) when a message has none, so a received message can
//     carry a "subject" header its sender did not set.
//   - RabbitMQ picks the virtual host from the open frame's hostname:
//     Options.HostName "vhost:NAME".
//   - RabbitMQ 3.10 stalls a receiving link now and then (seen with credit
//     10 and 100 after a few hundred messages); the Receiver's watchdog
//     re-announces the credit after StallTimeout of silence, which resumes
//     it. RabbitMQ 3.x refuses the modified outcome: Modify is a Release there.
//   - RabbitMQ 3.10 never answers a link detach, and leaves about one
//     session end in a hundred or two unanswered (seen under load, with or
//     without traffic on the link): Close then returns an error after
//     CloseTimeout, and the broker keeps that session, with the unsettled
//     messages handed out on it, until the connection closes. A Receiver
//     releases its prefetched messages before ending its session, so only
//     messages the caller held are delayed. Closing the Conn settles it all.
//   - Qpid's example broker speaks SASL ANONYMOUS only, refuses a sender
//     asking for settle mode "unsettled" or a receiver asking for
//     "settled" (so links keep the default mode, mixed), keeps queues in
//     memory, and forgets a message once sent: released, rejected and
//     unsettled messages are never redelivered there.
package amqp
