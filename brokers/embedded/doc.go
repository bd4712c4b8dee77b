// Package embedded is bricks' own in-process STOMP 1.2 broker, so that the
// quickstart and the tests run with no broker installed.
//
// It speaks STOMP 1.0, 1.1 and 1.2 through go-stomp's frame package and
// offers what the bricks pipelines rely on from a real broker:
//
//   - queues (any destination not starting with "/topic/"; a leading
//     "/queue/" is stripped, as ActiveMQ does): point-to-point, round-robin
//     among subscribers;
//   - topics ("/topic/x"): fan-out to the subscribers present at SEND time;
//   - receipts, sent only once the message is stored (in the queue for
//     memory storage, after the directory-queue add for dir storage);
//   - ack modes auto, client (cumulative) and client-individual, NACK, and
//     redelivery (with "redelivered:true") of whatever a subscriber leaves
//     unacknowledged when it unsubscribes, NACKs or disconnects;
//   - a prefetch window per subscription (SUBSCRIBE header "prefetch-count"
//     or "activemq.prefetchSize");
//   - heart-beats, transactions (BEGIN/COMMIT/ABORT), optional login, and a
//     graceful Shutdown that closes every connection and goroutine.
//
// Storage is "memory" or "dir": with dir, every queue is a DQS directory
// queue (package queue) under Options.Dir and survives a restart. Topics are
// never stored. The broker is a single process by design; it never grows
// into a cluster.
//
// Use it as a plain library:
//
//	srv, err := embedded.New(embedded.Options{Addr: "127.0.0.1:0"})
//	if err != nil { ... }
//	if err := srv.Listen(); err != nil { ... }
//	go srv.Serve(ctx)            // returns once ctx is done or Shutdown ran
//	fmt.Println(srv.Addr())      // the address clients dial
//	defer srv.Shutdown(context.Background())
//
// or as the actor kind "stomp.broker" in a supervision tree (kind.go).
package embedded
