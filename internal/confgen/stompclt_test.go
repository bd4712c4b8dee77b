package confgen

import (
	"testing"
)

// The spellings stompclt treats alike (mta.md §6) give one tree once
// unfolded on "-".
func TestImportUnfoldSpellings(t *testing.T) {
	spellings := []string{
		"outgoing-broker-uri = X\noutgoing-broker-auth = none\n",
		"<outgoing-broker>\n uri = X\n auth = none\n</outgoing-broker>\n",
		"<outgoing>\n <broker>\n  uri = X\n  auth = none\n </broker>\n</outgoing>\n",
		"<outgoing>\n broker-uri = X\n</outgoing>\n<outgoing-broker>\n auth none\n</outgoing-broker>\n",
		"outgoing-broker-uri = X\n<outgoing>\n <broker>\n  auth = none\n </broker>\n</outgoing>\n",
	}
	want := "<outgoing> @1\n  <broker> @1\n    uri = \"X\" @1\n    auth = \"none\" @1\n"
	for _, s := range spellings {
		root, err := Parse("t.conf", []byte(s), nil)
		if err != nil {
			t.Fatal(err)
		}
		got := dump(Unfold(root, "-"))
		if stripLines(got) != stripLines(want) {
			t.Errorf("%s\nunfolds to:\n%s\nwant:\n%s", s, got, want)
		}
	}
}

// stripLines removes the @line suffixes of a dump.
func stripLines(s string) string {
	out := []byte{}
	skip := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '@':
			skip = true
			out = out[:len(out)-1] // the blank before @
		case s[i] == '\n':
			skip = false
			out = append(out, '\n')
		case !skip:
			out = append(out, s[i])
		}
	}
	return string(out)
}

func TestImportUnfoldRepeatedBlocks(t *testing.T) {
	in := "<subscribe>\n destination = /queue/a\n</subscribe>\n<subscribe>\n destination = /queue/b\n</subscribe>\nsubscribe = destination=/queue/c\n<incoming-queue>\n path /q\n</incoming-queue>\n<x y-z>\n</x>\n"
	root, err := Parse("t.conf", []byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `<subscribe> @1
  destination = "/queue/a" @2
<subscribe> @4
  destination = "/queue/b" @5
subscribe = "destination=/queue/c" @7
<incoming> @8
  <queue> @8
    path = "/q" @9
<x y-z> @11
`
	if got := dump(Unfold(root, "-")); got != want {
		t.Errorf("unfolded:\n%s\nwant:\n%s", got, want)
	}
}

func TestImportStompcltSender(t *testing.T) {
	root, err := ParseFile("testdata/stompclt-sender.conf", StompcltOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := `<stompclt> @4
  <incoming> @5
    queue = "path=/var/spool/sender type=DQS" @5
  remove = "yes" @6
  loop = "true" @7
  reliable = "1" @8
  window = "100" @9
  <outgoing> @10
    <broker> @10
      uri = "stomp+ssl://mq1.example.org:61613" @11
      <auth> @2
        scheme = "plain" @3
        name = "sender" @4
        pass = "s3cr3t" @5
      connect = "version=1.2 host=/" @13
      <sockopts> @14
        SSL_verify_mode = "0" @15
      type = "ActiveMQ" @18
  <heart> @19
    beat = "on" @19
  <timeout> @20
    linger = "30" @20
  pidfile = "/var/run/sender.pid" @21
`
	if got := dump(Unfold(root, "-")); got != want {
		t.Errorf("unfolded:\n%s\nwant:\n%s", got, want)
	}
}

func TestImportStompcltReceiver(t *testing.T) {
	root, err := ParseFile("testdata/stompclt-receiver.conf", StompcltOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := `<incoming> @3
  <broker> @4
    uri = "stomp://localhost:61613" @5
    auth = "plain name=guest pass=guest" @6
<subscribe> @9
  destination = "/queue/app.in" @10
  id = "one" @11
<subscribe> @13
  destination = "/topic/app.events" @14
unsubscribe (no value) @16
<outgoing> @17
  queue = "path=/var/spool/receiver" @17
prefetch = "50" @18
reliable = "yes" @19
statistics = "no" @20
<timeout> @21
  inactivity = "10.5" @21
<callback> @22
  code = "# drop messages without a body, tag the rest\nreturn \"empty\" unless length($body);\n$hdr{\"x-relay\"} = \"bricks\";" @22
  data = "k1=v1 k2=v2" @27
count = "1000" @28
`
	if got := dump(Unfold(root, "-")); got != want {
		t.Errorf("unfolded:\n%s\nwant:\n%s", got, want)
	}
}
