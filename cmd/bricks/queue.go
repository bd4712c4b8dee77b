package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bricksmq/bricks/queue"
	"github.com/spf13/cobra"
)

func init() {
	rootCmd.AddCommand(newQueueCmd())
}

// queueFlags are the flags every `bricks queue` subcommand shares.
type queueFlags struct {
	path        string
	kind        string
	compression string
}

func (f *queueFlags) open() (queue.Queue, error) {
	if f.compression != "" {
		if strings.ToLower(f.kind) != "dqs" {
			return nil, fmt.Errorf("--compression needs --type dqs, not %s", f.kind)
		}
		return queue.NewDQS(f.path, queue.DQSOptions{Compression: f.compression})
	}
	return queue.Open(f.kind, f.path)
}

// newQueueCmd builds `bricks queue` with fresh flag variables, so tests can
// run it many times.
func newQueueCmd() *cobra.Command {
	f := &queueFlags{}
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Add, inspect and consume the messages of a directory queue",
		Long: "queue works on a dirq directory queue holding python-messaging messages:\n" +
			"--type dqs (QueueSimple, one JSON file per message, the default) or dqn\n" +
			"(Queue with the header/binary/text schema). Element names are relative,\n" +
			"e.g. 6b069cc4/6b069cebc03c61.",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.path, "path", "", "queue directory (required)")
	pf.StringVar(&f.kind, "type", "dqs", "queue type: dqs, dqn or null")
	pf.StringVar(&f.compression, "compression", "", "body compression for dqs add: zlib, lz4 or snappy")
	_ = cmd.MarkPersistentFlagRequired("path")
	cmd.AddCommand(
		newQueueAddCmd(f),
		queueNameCmd(f, "list", "Print the element names, oldest first", cobra.NoArgs, queueList),
		queueNameCmd(f, "get NAME", "Print an element as python-messaging JSON (locking it for the read if needed)", cobra.ExactArgs(1), queueGet),
		queueNameCmd(f, "lock NAME", "Lock an element; fails if it is locked already or gone", cobra.ExactArgs(1), queueLock),
		queueNameCmd(f, "unlock NAME", "Unlock an element", cobra.ExactArgs(1), queueUnlock),
		queueNameCmd(f, "remove NAME", "Remove an element (locking it first if needed)", cobra.ExactArgs(1), queueRemove),
		queueNameCmd(f, "count", "Print the number of elements", cobra.NoArgs, queueCount),
		newQueuePurgeCmd(f),
	)
	return cmd
}

// queueNameCmd builds a subcommand that opens the queue and runs fn.
func queueNameCmd(f *queueFlags, use, short string, args cobra.PositionalArgs,
	fn func(q queue.Queue, out io.Writer, args []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := f.open()
			if err != nil {
				return err
			}
			return fn(q, cmd.OutOrStdout(), args)
		},
	}
}

func newQueueAddCmd(f *queueFlags) *cobra.Command {
	var headers []string
	var body, bodyFile string
	var text, binary bool
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a message and print its element name",
		Long: "add stores one message. The body comes from --body, --body-file (- for\n" +
			"stdin) or, without either, stdin. It is a text body when it is valid\n" +
			"UTF-8 without control characters other than tab, CR and LF, a binary\n" +
			"body otherwise; --text or --binary force the kind (--text refuses a\n" +
			"body that is not UTF-8).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("body") && bodyFile != "" {
				return fmt.Errorf("--body and --body-file exclude each other")
			}
			if text && binary {
				return fmt.Errorf("--text and --binary exclude each other")
			}
			m := &queue.Message{Header: map[string]string{}}
			for _, h := range headers {
				k, v, ok := strings.Cut(h, "=")
				if !ok || k == "" {
					return fmt.Errorf("--header %q: want key=value", h)
				}
				m.Header[k] = v
			}
			var err error
			switch {
			case cmd.Flags().Changed("body"):
				m.Body = []byte(body)
			case bodyFile != "" && bodyFile != "-":
				m.Body, err = os.ReadFile(bodyFile)
			default:
				m.Body, err = io.ReadAll(cmd.InOrStdin())
			}
			if err != nil {
				return fmt.Errorf("reading the body: %w", err)
			}
			switch {
			case text:
				if !utf8.Valid(m.Body) {
					return fmt.Errorf("--text: the body is not valid UTF-8")
				}
				m.Text = true
			case !binary:
				m.Text = looksLikeText(m.Body)
			}
			q, err := f.open()
			if err != nil {
				return err
			}
			name, err := q.AddMessage(m)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), name)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&headers, "header", nil, "header field key=value (repeatable)")
	fl.StringVar(&body, "body", "", "message body")
	fl.StringVar(&bodyFile, "body-file", "", "read the body from this file (- for stdin)")
	fl.BoolVar(&text, "text", false, "store a text body (the default for UTF-8 without control characters)")
	fl.BoolVar(&binary, "binary", false, "store a binary body even if it is valid UTF-8")
	return cmd
}

// looksLikeText is add's default: valid UTF-8 without control characters
// other than tab, CR and LF, the way a file of text looks.
func looksLikeText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F {
			return false
		}
	}
	return true
}

func newQueuePurgeCmd(f *queueFlags) *cobra.Command {
	opts := queue.DefaultPurge
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Remove stale temporary elements and locks and empty directories",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.open()
			if err != nil {
				return err
			}
			return q.Purge(opts)
		},
	}
	cmd.Flags().DurationVar(&opts.MaxTemp, "maxtemp", opts.MaxTemp, "remove temporary elements older than this (0 keeps them)")
	cmd.Flags().DurationVar(&opts.MaxLock, "maxlock", opts.MaxLock, "release locks older than this (0 keeps them)")
	return cmd
}

func queueList(q queue.Queue, out io.Writer, _ []string) error {
	for name, err := range q.Names() {
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(out, name); err != nil {
			return err
		}
	}
	return nil
}

func queueCount(q queue.Queue, out io.Writer, _ []string) error {
	n, err := q.Count()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, strconv.Itoa(n))
	return err
}

// withLock runs fn on an element, locking it first when nobody holds it
// and unlocking it afterwards (dirq's get_element). An element locked
// already, by an earlier `bricks queue lock` for instance, is used as is.
func withLock(q queue.Queue, name string, fn func() error) (err error) {
	ours, err := q.Lock(name)
	if err != nil {
		return err
	}
	if ours {
		defer func() {
			if uerr := q.Unlock(name); uerr != nil && err == nil {
				err = uerr
			}
		}()
	}
	return fn()
}

func queueGet(q queue.Queue, out io.Writer, args []string) error {
	return withLock(q, args[0], func() error {
		m, err := q.GetMessage(args[0])
		if err != nil {
			return err
		}
		data, err := m.Serialize(queue.SerializeOptions{})
		if err != nil {
			return fmt.Errorf("element %s: %w", args[0], err)
		}
		_, err = fmt.Fprintf(out, "%s\n", data)
		return err
	})
}

func queueLock(q queue.Queue, _ io.Writer, args []string) error {
	ok, err := q.Lock(args[0])
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("queue %s: element %s is locked already or gone", q.Path(), args[0])
	}
	return nil
}

func queueUnlock(q queue.Queue, _ io.Writer, args []string) error { return q.Unlock(args[0]) }

func queueRemove(q queue.Queue, _ io.Writer, args []string) error {
	ours, err := q.Lock(args[0])
	if err != nil {
		return err
	}
	if err := q.Remove(args[0]); err != nil {
		if ours {
			_ = q.Unlock(args[0]) // leave the element as we found it
		}
		return err
	}
	return nil
}
