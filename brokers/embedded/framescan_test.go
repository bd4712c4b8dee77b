package embedded

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/go-stomp/stomp/v3/frame"
)

func TestFrameScanner(t *testing.T) {
	big := strings.Repeat("x", 200)
	for _, tc := range []struct {
		name  string
		input string
		ok    bool
	}{
		{"small frames and beats", "\n\r\nSEND\ndestination:/q\n\nhello\x00\nSEND\ncontent-length:3\n\na\x00b\x00\n", true},
		{"declared length too big", "SEND\ncontent-length:101\n\n", false},
		{"declared length 4 GiB", "SEND\ncontent-length:4294967295\n\n", false},
		{"length at the limit", "SEND\ncontent-length:70\n\n" + strings.Repeat("\x00", 70) + "\x00", true},
		{"only the first length counts", "SEND\ncontent-length:1\ncontent-length:999\n\nx\x00", true},
		{"NUL body too long", "SEND\n\n" + big + "\x00", false},
		{"header line too long", "SEND\nx:" + big + "\n\n\x00", false},
		{"command line too long", big, false},
		{"beats are not frames", strings.Repeat("\n", 500), true},
		{"absurd length digits", "SEND\ncontent-length:" + strings.Repeat("0", 60) + "1\n\nx\x00", false},
		{"bad length left to the frame reader", "SEND\ncontent-length:lots\n\nx\x00", true},
		{"body may hold a header-like line", "SEND\ncontent-length:30\n\n\ncontent-length:99999999\n\n\n\x00", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Byte by byte and all at once must agree.
			for _, step := range []int{1, 7, len(tc.input)} {
				s := newFrameScanner(100)
				var err error
				for in := []byte(tc.input); len(in) > 0 && err == nil; {
					n := min(step, len(in))
					err = s.scan(in[:n])
					in = in[n:]
				}
				if ok := err == nil; ok != tc.ok {
					t.Errorf("step %d: err %v, want ok=%v", step, err, tc.ok)
				}
				if err != nil && !errors.Is(err, errFrameTooLarge) {
					t.Errorf("step %d: unexpected error %v", step, err)
				}
			}
		})
	}
}

func TestFrameScannerAgreesWithFrameReader(t *testing.T) {
	// Frames the frame package writes pass, whatever their content.
	var buf bytes.Buffer
	w := frame.NewWriter(&buf)
	for _, body := range [][]byte{nil, []byte("text"), {0, 0, 1}, bytes.Repeat([]byte{'\n'}, 40)} {
		f := frame.New(frame.SEND, frame.Destination, "/queue/a:b\nc", frame.ContentLength, strconv.Itoa(len(body)))
		f.Body = body
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
		_ = w.Write(nil)
	}
	if err := newFrameScanner(100).scan(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}
