package legacy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bricksmq/bricks/apps"
	"github.com/bricksmq/bricks/supervision"
)

// Every stompclt example converts to a tree that loads with the real
// kinds (package apps links them all), with the expected tree and
// problems.
func TestImportStompcltExamples(t *testing.T) {
	for _, name := range []string{"sender.conf", "receiver.conf", "stompclt-sender.conf", "stompclt-receiver.conf"} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(testdataDir)
			res, err := ConvertStompclt(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := supervision.LoadBytes(name+".yaml", res.Tree); err != nil {
				t.Fatalf("converted tree does not load: %v\n%s", err, res.Tree)
			}
			golden(t, name+".yaml", string(res.Tree))
			golden(t, name+".problems", problemsText(res.Problems))
		})
	}
}

// The three spellings of mta.md §6, with or without the <stompclt>
// wrapper, give the same tree.
func TestImportStompcltSpellings(t *testing.T) {
	spellings := []string{
		"incoming-queue = path=/q type=DQN\noutgoing-broker-uri = stomp://h:1\noutgoing-broker-auth = plain name=u pass=p%20w\nloop = yes\nwindow = 7\n",
		"<incoming-queue>\n path = /q\n type = DQN\n</incoming-queue>\n<outgoing-broker>\n uri = stomp://h:1\n <auth>\n  scheme = plain\n  name = u\n  pass = \"p w\"\n </auth>\n</outgoing-broker>\nloop on\nwindow 7\n",
		"<stompclt>\n<incoming>\n <queue>\n  path /q\n  type DQN\n </queue>\n</incoming>\n<outgoing>\n <broker>\n  uri stomp://h:1\n  auth = plain name=u pass=p%20w\n </broker>\n</outgoing>\nloop = 1\nwindow = 7\n</stompclt>\n",
	}
	want := `name: x
app: transfer
from:
  queue:
    path: /q
    type: dqn
to:
  broker:
    uri: stomp://h:1
    auth:
      scheme: plain
      name: u
      pass: p w
window: 7
loop: true
remove: false
`
	for _, s := range spellings {
		path := filepath.Join(t.TempDir(), "x.conf")
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := ConvertStompclt(path)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got := string(res.Tree)
		got = got[strings.Index(got, "name:"):]
		if got != want || len(res.Problems) != 0 {
			t.Errorf("%s\nconverts to:\n%s\nproblems: %v\nwant:\n%s", s, got, res.Problems, want)
		}
	}
}

// Header assignments and deletions become rules with Perl's sequential
// meaning; every other statement is reported at its own line.
func TestStompcltCallbackRules(t *testing.T) {
	code := `# comment only
$hdr{a} = "1"; $hdr{'b'} = 'it\'s';
delete $hdr{"c"};
$hdr{c} = "back";   # set after delete: set wins
$hdr{d} = $hdr{e};
$hdr{f} = $hdr{a};  # a was set: f is set too
delete($hdr{g});
$hdr{n} = 42;
return "drop" if $body =~ /x/;
$hdr{t} = "x$hdr{a}";
`
	c := &scConv{}
	rules := c.callbackRules(code, "cb.pl", 10)
	out, err := encode(rules, "")
	if err != nil {
		t.Fatal(err)
	}
	want := `delete: [g]
copy:
  d: e
set:
  a: "1"
  b: it's
  c: back
  f: "1"
  n: "42"
`
	if string(out) != want {
		t.Errorf("rules:\n%s\nwant:\n%s", out, want)
	}
	var lines []string
	for _, p := range c.problems {
		lines = append(lines, p.Pos.String())
	}
	if got := strings.Join(lines, " "); got != "cb.pl:18 cb.pl:19" {
		t.Errorf("problems at %s, want cb.pl:18 cb.pl:19: %v", got, c.problems)
	}
	// Deletion then copy of the deleted header: Perl copies undef, which
	// no rule says.
	c = &scConv{}
	c.callbackRules("delete $hdr{x};\n$hdr{y} = $hdr{x};", "cb.pl", 1)
	if len(c.problems) != 1 || c.problems[0].Pos.Line != 2 {
		t.Errorf("copy of a deleted header: %v", c.problems)
	}
}

// The command line goes on top of the file; stompclt's start-up checks
// give its messages.
func TestParseStompclt(t *testing.T) {
	t.Chdir(testdataDir)
	s, err := ParseStompclt([]string{"--conf", "sender.conf", "--outgoing-broker-uri=stomp://127.0.0.1:1", "--no-remove", "--loop", "-c", "5", "--statis", "--pidfile", "/tmp/p.pid"})
	if err != nil {
		t.Fatal(err)
	}
	tree := string(s.Tree)
	for _, want := range []string{"uri: stomp://127.0.0.1:1", "remove: false", "count: 5", "loop: true"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "pidfile") || s.Pidfile != "/tmp/p.pid" || !s.Statistics || s.Name != "sender" {
		t.Errorf("program options: pidfile %q statistics %v name %q; tree:\n%s", s.Pidfile, s.Statistics, s.Name, tree)
	}
	if len(s.Stats) != 1 || s.Stats[0] != "sender/stats" {
		t.Errorf("stats paths %v", s.Stats)
	}

	fatal := []struct {
		args []string
		msg  string
	}{
		{[]string{"--outgoing-queue", "path=/o"}, "option incoming-broker or incoming-queue is required"},
		{[]string{"--incoming-queue", "path=/i"}, "option outgoing-broker or outgoing-queue is required"},
		{[]string{"--incoming-queue", "path=/i", "--incoming-broker-uri", "stomp://h:1", "--outgoing-queue", "path=/o"}, "mutually exclusive"},
		{[]string{"--incoming-broker-uri", "stomp://h:1", "--outgoing-queue", "path=/o"}, "option subscribe is required with incoming-broker"},
		{[]string{"--incoming-broker-uri", "stomp://h:1", "--subscribe", "destination=/q/a", "--outgoing-queue", "path=/o", "--loop"}, "option loop requires incoming-queue"},
		{[]string{"--incoming-queue", "path=/i", "--outgoing-queue", "path=/o", "--prefetch", "3"}, "option prefetch requires incoming-broker"},
		{[]string{"--incoming-queue", "path=/i", "--outgoing-queue", "path=/o", "--daemon", "--statistics"}, "options daemon and statistics are mutually exclusive"},
		{[]string{"--incoming-queue", "path=/i", "--outgoing-queue", "path=/o", "--window", "-1"}, "option window is not positive: -1"},
		{[]string{"--incoming-broker-uri", "udp://h:1", "--subscribe", "destination=/q/a", "--outgoing-queue", "path=/o"}, "option incoming-broker-uri: UDP (udp://h:1) is outgoing only"},
		{[]string{"--incoming-queue", "path=/i", "--outgoing-broker-uri", "udp://h:1", "--outgoing-broker-auth", "plain name=a pass=b"}, "option outgoing-broker-auth cannot be used with UDP"},
		{[]string{"--incoming-queue", "path=/i", "--outgoing-broker-uri", "udp://h:1", "--heart-beat"}, "option heart-beat cannot be used with UDP"},
		{[]string{"--status"}, "option pidfile is required with quit or status"},
		{[]string{"--status", "--quit", "--pidfile", "p"}, "mutually exclusive"},
		{[]string{"--conf", "missing.conf"}, "missing.conf"},
	}
	for _, f := range fatal {
		_, err := ParseStompclt(f.args)
		var fe *FatalError
		if !errors.As(err, &fe) || !strings.Contains(fe.Msg, f.msg) {
			t.Errorf("%v: got %v, want a fatal error with %q", f.args, err, f.msg)
		}
	}
	for _, args := range [][]string{{"--bogus"}, {"--count"}, {"--loop=yes"}, {"stray"}, {"--time", "1"}} {
		var ue *UsageError
		if _, err := ParseStompclt(args); !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
	for _, a := range []string{"-h", "--help", "-?", "--version", "--list", "-m"} {
		if s, err := ParseStompclt([]string{a}); err != nil || s.Action == "" {
			t.Errorf("%s: action %v, %v", a, s, err)
		}
	}
	s, err = ParseStompclt([]string{"--quit", "--pidfile", "p", "--timeout-linger", "2", "--timeout-flush", "3"})
	if err != nil || s.Action != "quit" || s.QuitWait != 15*time.Second {
		t.Errorf("--quit: %+v, %v", s, err)
	}
}

// callback-path reads the code from its file, reported at that file's
// lines.
func TestStompcltCallbackPath(t *testing.T) {
	dir := t.TempDir()
	code := filepath.Join(dir, "cb.pl")
	if err := os.WriteFile(code, []byte("$hdr{a} = \"b\";\n\nprint STDERR \"x\";\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseStompclt([]string{"--incoming-queue", "path=/i", "--outgoing-queue", "path=/o", "--remove", "--callback-path", code})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(s.Tree), "set:\n    a: b\n") {
		t.Errorf("tree:\n%s", s.Tree)
	}
	if len(s.Problems) != 1 || s.Problems[0].Pos.String() != code+":3" {
		t.Errorf("problems: %v", s.Problems)
	}
	if err := os.WriteFile(code, []byte("\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var fe *FatalError
	if _, err := ParseStompclt([]string{"--incoming-queue", "path=/i", "--outgoing-queue", "path=/o", "--remove", "--callback-path", code}); !errors.As(err, &fe) {
		t.Errorf("empty callback-path: %v", err)
	}
}

// Two subscriptions make two transfers under one supervisor, the pid
// file held by the first.
func TestImportStompcltSubscriptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.conf")
	conf := "incoming-broker-uri = stomp://h:1\n<subscribe>\n destination = /queue/a\n</subscribe>\nsubscribe = destination=/topic/b selector=x>1 persistent=true\noutgoing-queue = path=/o\npidfile = /run/x.pid\n"
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ConvertStompclt(path)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := supervision.LoadBytes("two", res.Tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Root.Children) != 2 || tree.Root.Children[0].Name != "subscribe-1" || tree.Root.Children[1].Name != "subscribe-2" {
		t.Fatalf("tree:\n%s", res.Tree)
	}
	if n := strings.Count(string(res.Tree), "pidfile:"); n != 1 {
		t.Errorf("%d pid files:\n%s", n, res.Tree)
	}
	for _, want := range []string{"selector: x>1", "persistent: \"true\"", "destination: /topic/b"} {
		if !strings.Contains(string(res.Tree), want) {
			t.Errorf("tree lacks %q:\n%s", want, res.Tree)
		}
	}
}

func TestFormatStatistics(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		s    apps.Statistics
		want string
	}{
		{apps.Statistics{}, "processed no messages\n"},
		{apps.Statistics{Messages: 1, Bytes: 10, First: t0, Last: t0}, "processed only 1 message\n"},
		{apps.Statistics{Messages: 2000, Bytes: 2000 * 1024, First: t0, Last: t0.Add(2 * time.Second)},
			"processed 2000 messages in 2.000 seconds (1.000 k msg/sec)\nthroughput is around 0.977 MB/second\naverage message size is around 1024 bytes\n"},
	}
	for _, c := range cases {
		if got := FormatStatistics(c.s); got != c.want {
			t.Errorf("%+v:\n%s\nwant:\n%s", c.s, got, c.want)
		}
	}
}

// TestStompcltOnePass: stompclt's defaults (no --loop, no --remove) are one
// pass that keeps the elements; the queue reader supports it, so the
// converted transfer says exactly that.
func TestStompcltOnePass(t *testing.T) {
	s, err := ParseStompclt([]string{"--incoming-queue", "path=/i", "--outgoing-queue", "path=/o"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"loop: false", "remove: false"} {
		if !strings.Contains(string(s.Tree), want) {
			t.Errorf("converted tree lacks %q:\n%s", want, s.Tree)
		}
	}
}

// TestStompcltUDP: stompclt's UDP output becomes a transfer to a udp://
// URI (the apps expansion turns it into a udp.sender).
func TestStompcltUDP(t *testing.T) {
	s, err := ParseStompclt([]string{"--incoming-queue", "path=/i", "--outgoing-broker-uri", "udp://mon.example.org:5000"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `to: {broker: {uri: "udp://mon.example.org:5000"}}`; !strings.Contains(string(s.Tree), "udp://mon.example.org:5000") {
		t.Errorf("converted tree lacks %s:\n%s", want, s.Tree)
	}
	if strings.Contains(string(s.Tree), "heartbeat") || strings.Contains(string(s.Tree), "auth") {
		t.Errorf("converted UDP output has broker connection fields:\n%s", s.Tree)
	}
}
