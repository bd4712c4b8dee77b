// Package chaos holds the crash tests and the benchmarks of the transfer
// app run as a real program: a bricks binary built once per run (TestMain)
// executes `bricks run mta.yaml` and `bricks run broker.yaml` as child
// processes, which the tests SIGKILL and restart at will.
//
// TestCrashes moves 20,000 messages queue → stomp.broker (storage: dir, a
// private port) → queue while killing the MTA with SIGKILL at random
// moments and restarting the broker twice while it holds messages
// (SIGTERM, then SIGKILL); every message must arrive at least once,
// unchanged, with nothing left locked; duplicates are counted and logged. The seed of the random moments is logged and can be replayed
// with CHAOS_SEED=N (the kill moments; the machine's timing differs).
//
// The benchmarks (bench_test.go) compare a `bricks run` MTA's queue→broker
// and broker→queue throughput with the bare client loops of
// internal/brokerbench/bare against RabbitMQ (STOMP and AMQP 1.0), and
// report the MTA's resident memory idle and under load:
//
//	go test -run '^$' -bench . -benchtime 5000x ./tests/chaos/
//
// Queues live on /dev/shm when the machine has it (see proctest.ScratchDir).
package chaos
