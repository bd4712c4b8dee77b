package faults

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bricksmq/bricks/brokers/stomp"
	"github.com/bricksmq/bricks/internal/brokertest"
)

// Private brokers: processes of this package's own, which the tests stop
// and start at will. The shared brokers of tests/brokers/start.sh are other
// packages' and are never stopped here.
const (
	amqBase         = "/var/lib/activemq/bricks-faults"
	amqSTOMPPort    = 61634
	amqOpenWirePort = 61636
	qpidAddr        = "127.0.0.1:5683"
	qpidExample     = "/usr/share/proton/examples/python/broker.py"
	qpidLauncher    = "../brokers/qpid_broker.py" // the example with a reactor crash fixed
	pythonProgram   = "/usr/bin/python3"          // Debian's: the pyenv python3 on PATH lacks proton

	rabbitBase      = "/var/lib/rabbitmq/bricks-faults"
	rabbitNodeName  = "bricksfaults"
	rabbitNodePort  = 5682
	rabbitDistPort  = 25682
	rabbitSTOMPPort = 61633
)

// missing fails t under CI=true, and skips it otherwise, for a program the
// test needs and cannot find.
func missing(t testing.TB, what string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not available (%v): run tests/brokers/start.sh once to install the brokers", what, err)
	if brokertest.InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// startScript is tests/brokers/start.sh.
func startScript(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "brokers", "start.sh")
}

// activeMQ is the private ActiveMQ instance, run by start.sh with its
// AMQ_* overrides (the same configuration as the shared one: STOMP+NIO,
// kahaDB, users admin/admin and guest/guest).
type activeMQ struct{ t testing.TB }

// privateActiveMQ starts the private ActiveMQ (if not running yet) and
// stops it when the test ends.
func privateActiveMQ(t testing.TB) *activeMQ {
	t.Helper()
	for _, f := range []string{"/usr/share/activemq/bin/activemq.jar", "/usr/bin/java"} {
		if _, err := os.Stat(f); err != nil {
			missing(t, "ActiveMQ", err)
		}
	}
	a := &activeMQ{t: t}
	a.start()
	t.Cleanup(func() { a.stop(syscall.SIGTERM) })
	return a
}

// addr is the STOMP address.
func (a *activeMQ) addr() string { return fmt.Sprintf("127.0.0.1:%d", amqSTOMPPort) }

func (a *activeMQ) pidFile() string { return filepath.Join(amqBase, "activemq.pid") }

// start runs start.sh for the private instance; it returns once the STOMP
// port accepts connections.
func (a *activeMQ) start() {
	a.t.Helper()
	if pid := a.pid(); pid > 0 && !running(pid) {
		_ = os.Remove(a.pidFile()) // a killed instance: start.sh would think it alive
	}
	cmd := exec.Command("bash", startScript(a.t), "start")
	cmd.Env = append(os.Environ(), "BROKERS=activemq", "AMQ_BASE="+amqBase,
		"AMQ_STOMP_PORT="+strconv.Itoa(amqSTOMPPort), "AMQ_OPENWIRE_PORT="+strconv.Itoa(amqOpenWirePort))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		a.t.Fatalf("starting the private ActiveMQ: %v\n%s", err, out.String())
	}
	a.t.Logf("private ActiveMQ on %s up in %s (pid %d)", a.addr(), time.Since(t0).Round(100*time.Millisecond), a.pid())
}

// pid returns the JVM's pid from start.sh's pid file, 0 if none.
func (a *activeMQ) pid() int {
	b, err := os.ReadFile(a.pidFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// stop sends sig to the JVM and waits until it is gone (a SIGTERM that is
// not obeyed within a minute is followed by a SIGKILL).
func (a *activeMQ) stop(sig syscall.Signal) {
	a.t.Helper()
	pid := a.pid()
	if pid <= 0 || !running(pid) {
		return
	}
	t0 := time.Now()
	if err := syscall.Kill(pid, sig); err != nil {
		a.t.Fatalf("signal %v to the private ActiveMQ (pid %d): %v", sig, pid, err)
	}
	for running(pid) {
		if time.Since(t0) > time.Minute {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for brokertest.Reachable(a.addr()) == nil { // its sockets may outlive it a moment
		time.Sleep(50 * time.Millisecond)
	}
	_ = os.Remove(a.pidFile())
	a.t.Logf("private ActiveMQ stopped by %s in %s", signalName(sig), time.Since(t0).Round(100*time.Millisecond))
}

// running reports whether pid is a live process. A zombie passes kill -0
// (the JVM's parent, start.sh, is long gone), and a killed JVM's main
// thread turns zombie while its other threads, which hold the sockets, are
// still being torn down: the process is gone only once no thread is left
// but a zombie leader.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: comm may hold spaces, the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X') {
		return true
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	return err == nil && len(tasks) > 1
}

// rabbitMQ is a private RabbitMQ node (name bricksfaults, AMQP 5682,
// STOMP 61633, its own mnesia and logs under rabbitBase), next to the
// shared one: the same epmd, other ports.
type rabbitMQ struct{ t testing.TB }

// privateRabbitMQ starts the private RabbitMQ node and stops it when the
// test ends.
func privateRabbitMQ(t testing.TB) *rabbitMQ {
	t.Helper()
	if _, err := exec.LookPath("rabbitmq-server"); err != nil {
		missing(t, "RabbitMQ", err)
	}
	r := &rabbitMQ{t: t}
	r.start()
	t.Cleanup(func() { r.stop(syscall.SIGTERM) })
	return r
}

// addr is the STOMP address.
func (r *rabbitMQ) addr() string { return fmt.Sprintf("127.0.0.1:%d", rabbitSTOMPPort) }

func (r *rabbitMQ) pidFile() string { return filepath.Join(rabbitBase, "rabbit.pid") }

// node is the Erlang node name.
func (r *rabbitMQ) node() string {
	host, err := os.Hostname()
	if err != nil {
		r.t.Fatal(err)
	}
	return rabbitNodeName + "@" + strings.SplitN(host, ".", 2)[0]
}

// run runs a RabbitMQ command for the private node.
func (r *rabbitMQ) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.Env = append(os.Environ(), "RABBITMQ_NODENAME="+r.node(),
		"RABBITMQ_NODE_PORT="+strconv.Itoa(rabbitNodePort), "RABBITMQ_DIST_PORT="+strconv.Itoa(rabbitDistPort),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(rabbitBase, "rabbitmq.conf"),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(rabbitBase, "mnesia"), "RABBITMQ_LOG_BASE="+filepath.Join(rabbitBase, "log"),
		"RABBITMQ_PID_FILE="+r.pidFile(), "RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(rabbitBase, "enabled_plugins"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// start writes the node's configuration and starts it (-detached, as
// user rabbitmq); it returns once the node and its plugins run.
func (r *rabbitMQ) start() {
	r.t.Helper()
	if pid := r.pid(); pid > 0 && running(pid) {
		return
	}
	for _, d := range []string{"mnesia", "log"} {
		if err := os.MkdirAll(filepath.Join(rabbitBase, d), 0o755); err != nil {
			r.t.Fatal(err)
		}
	}
	conf := fmt.Sprintf("listeners.tcp.default = 127.0.0.1:%d\nstomp.listeners.tcp.1 = 127.0.0.1:%d\n"+
		"stomp.default_user = guest\nstomp.default_pass = guest\nloopback_users.guest = true\n", rabbitNodePort, rabbitSTOMPPort)
	for name, text := range map[string]string{"rabbitmq.conf": conf, "enabled_plugins": "[rabbitmq_amqp1_0,rabbitmq_stomp].\n"} {
		if err := os.WriteFile(filepath.Join(rabbitBase, name), []byte(text), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	if err := exec.Command("chown", "-R", "rabbitmq:rabbitmq", rabbitBase).Run(); err != nil {
		r.t.Fatalf("chown %s: %v", rabbitBase, err)
	}
	t0 := time.Now()
	// A node started right after a SIGKILLed one now and then dies while
	// booting ("rabbitmqctl wait": node not running at all, seen on a
	// loaded 2-core machine): the start is tried again, as an operator
	// would, with the failure logged.
	const attempts = 3
	for i := 1; ; i++ {
		_ = os.Remove(r.pidFile())
		err := r.run("rabbitmq-server", "-detached")
		if err == nil {
			err = r.run("rabbitmqctl", "-n", r.node(), "wait", r.pidFile(), "--timeout", "120")
		}
		if err == nil {
			break
		}
		if i == attempts {
			r.t.Fatalf("private RabbitMQ did not start in %d attempts: %v", attempts, err)
		}
		r.t.Logf("private RabbitMQ start attempt %d failed, trying again: %v", i, err)
		if pid := r.pid(); pid > 0 && running(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(2 * time.Second)
	}
	waitListening(r.t, "the private RabbitMQ", r.addr(), nil)
	r.t.Logf("private RabbitMQ %s on %s up in %s (pid %d)", r.node(), r.addr(), time.Since(t0).Round(100*time.Millisecond), r.pid())
}

// amqpAddr is the AMQP 1.0 address.
func (r *rabbitMQ) amqpAddr() string { return fmt.Sprintf("127.0.0.1:%d", rabbitNodePort) }

// declareQueue declares the durable queue name, through STOMP (a SUBSCRIBE
// to /queue/NAME declares it durable; AMQP 1.0 in RabbitMQ 3.10 declares
// only non-durable ones), for AMQP links to "/amq/queue/NAME".
func (r *rabbitMQ) declareQueue(name string) {
	r.t.Helper()
	u, err := stomp.ParseURI("stomp://" + r.addr())
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, err := stomp.NewReceiver(ctx, u, stomp.Options{Auth: stomp.Auth{Scheme: "plain", Name: "guest", Pass: "guest"}},
		stomp.SubscribeOptions{Destination: "/queue/" + name})
	if err != nil {
		r.t.Fatalf("declaring queue %s: %v", name, err)
	}
	if err := rc.Close(); err != nil {
		r.t.Fatalf("declaring queue %s: %v", name, err)
	}
}

// pid returns the node's pid from its pid file, 0 if none.
func (r *rabbitMQ) pid() int {
	b, err := os.ReadFile(r.pidFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// stop sends sig to the node's VM and waits until it is gone.
func (r *rabbitMQ) stop(sig syscall.Signal) {
	r.t.Helper()
	pid := r.pid()
	if pid <= 0 || !running(pid) {
		return
	}
	t0 := time.Now()
	if err := syscall.Kill(pid, sig); err != nil {
		r.t.Fatalf("signal %v to the private RabbitMQ (pid %d): %v", sig, pid, err)
	}
	for running(pid) {
		if time.Since(t0) > time.Minute {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for brokertest.Reachable(r.addr()) == nil {
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Logf("private RabbitMQ stopped by %s in %s", signalName(sig), time.Since(t0).Round(100*time.Millisecond))
}

// qpid is a private Qpid Proton example broker: a child process of the
// test, in a session of its own.
type qpid struct {
	t    testing.TB
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// privateQpid starts a Qpid example broker on addr and stops it when the
// test ends.
func privateQpid(t testing.TB, addr string) *qpid {
	t.Helper()
	for _, f := range []string{pythonProgram, qpidExample, qpidLauncher} {
		if _, err := os.Stat(f); err != nil {
			missing(t, "the Qpid Proton example broker", err)
		}
	}
	if err := exec.Command(pythonProgram, "-c", "import proton").Run(); err != nil {
		missing(t, "python3-qpid-proton", err)
	}
	q := &qpid{t: t, addr: addr}
	q.start()
	t.Cleanup(func() { q.stop(syscall.SIGTERM) })
	return q
}

// start runs the broker and returns once it accepts connections.
func (q *qpid) start() {
	q.t.Helper()
	if brokertest.Reachable(q.addr) == nil {
		q.t.Fatalf("%s is already taken: cannot start a private Qpid broker there", q.addr)
	}
	q.cmd = exec.Command(pythonProgram, qpidLauncher, "-a", q.addr)
	q.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := q.cmd.Start(); err != nil {
		q.t.Fatalf("starting the private Qpid broker: %v", err)
	}
	q.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(q.cmd, q.done)
	waitListening(q.t, "the private Qpid broker", q.addr, q.done)
}

// stop sends sig and waits for the broker to exit.
func (q *qpid) stop(sig syscall.Signal) {
	if q.cmd == nil {
		return
	}
	_ = q.cmd.Process.Signal(sig)
	select {
	case <-q.done:
	case <-time.After(time.Minute):
		_ = q.cmd.Process.Kill()
		<-q.done
	}
	q.cmd = nil
}

// waitListening waits until addr accepts connections, failing t if exited
// closes first or it takes minutes.
func waitListening(t testing.TB, what, addr string, exited <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for brokertest.Reachable(addr) != nil {
		select {
		case <-exited:
			t.Fatalf("%s exited before listening on %s", what, addr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s", what, addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// signalName is "SIGTERM" for syscall.SIGTERM (String says "terminated").
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGKILL:
		return "SIGKILL"
	}
	return sig.String()
}
