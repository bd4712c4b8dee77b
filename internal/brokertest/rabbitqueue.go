package brokertest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	rabbitQueuesMu sync.Mutex
	rabbitQueues   []string
)

// DeclareRabbitQueue declares the durable RabbitMQ queue name through the
// STOMP plugin (a SUBSCRIBE to /queue/NAME declares it durable), which
// takes a few milliseconds where `rabbitmqctl eval` takes seconds. AMQP 1.0
// in RabbitMQ 3.10 can only declare non-durable queues, so an AMQP test
// declares its queue here and uses the address "/amq/queue/NAME". The queue
// is remembered for DeleteRabbitQueues.
func DeclareRabbitQueue(tb testing.TB, name string) {
	tb.Helper()
	st := RabbitSTOMP(tb)
	c, err := net.DialTimeout("tcp", st.Addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(c)
	frame := func(f string) string {
		if _, err := io.WriteString(c, f+"\x00"); err != nil {
			tb.Fatal(err)
		}
		s, err := rd.ReadString(0)
		if err != nil {
			tb.Fatalf("declare queue %s via STOMP: %v", name, err)
		}
		return strings.TrimLeft(s, "\r\n")
	}
	if s := frame(fmt.Sprintf("CONNECT\naccept-version:1.2\nhost:%s\nlogin:%s\npasscode:%s\n\n", st.VirtualHost, st.Login, st.Passcode)); !strings.HasPrefix(s, "CONNECTED") {
		tb.Fatalf("declare queue %s: STOMP CONNECT: %q", name, s)
	}
	if s := frame("SUBSCRIBE\nid:0\ndestination:/queue/" + name + "\nack:client-individual\nprefetch-count:1\nreceipt:r1\n\n"); !strings.HasPrefix(s, "RECEIPT") {
		tb.Fatalf("declare queue %s: STOMP SUBSCRIBE: %q", name, s)
	}
	_, _ = io.WriteString(c, "UNSUBSCRIBE\nid:0\n\n\x00DISCONNECT\n\n\x00")
	RememberRabbitQueue(name)
}

// RememberRabbitQueue adds name to the queues DeleteRabbitQueues removes
// (a queue RabbitMQ declared by itself, e.g. on a STOMP SUBSCRIBE).
func RememberRabbitQueue(name string) {
	rabbitQueuesMu.Lock()
	rabbitQueues = append(rabbitQueues, name)
	rabbitQueuesMu.Unlock()
}

// DeleteRabbitQueues removes the queues DeclareRabbitQueue declared (and
// RememberRabbitQueue named) in one rabbitmqctl call, since each call costs
// seconds: call it once, from TestMain, after the tests ran. Failures only
// leave queues behind, and are reported on stderr.
func DeleteRabbitQueues() {
	rabbitQueuesMu.Lock()
	defer rabbitQueuesMu.Unlock()
	if len(rabbitQueues) == 0 {
		return
	}
	names := make([]string, len(rabbitQueues))
	for i, q := range rabbitQueues {
		names[i] = `<<"` + q + `">>`
	}
	rabbitQueues = nil
	expr := `[case rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, N)) of {ok, Q} -> rabbit_amqqueue:delete(Q, false, false, <<"guest">>); _ -> ok end || N <- [` + strings.Join(names, ",") + `]].`
	if out, err := exec.Command("rabbitmqctl", "-q", "eval", expr).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "deleting test queues: %v: %s\n", err, out)
	}
}
