package framelimit

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/go-stomp/stomp/v3/frame"
)

func TestScanner(t *testing.T) {
	big := strings.Repeat("x", 200)
	for _, tc := range []struct {
		name  string
		input string
		ok    bool
		clen  int64 // the ContentLength of the error, when not ok
	}{
		{"small frames and beats", "\n\r\nSEND\ndestination:/q\n\nhello\x00\nSEND\ncontent-length:3\n\na\x00b\x00\n", true, 0},
		{"declared length too big", "SEND\ncontent-length:101\n\n", false, 101},
		{"declared length 4 GiB", "SEND\ncontent-length:4294967295\n\n", false, 4294967295},
		{"length at the limit", "SEND\ncontent-length:70\n\n" + strings.Repeat("\x00", 70) + "\x00", true, 0},
		{"headers plus length over the limit", "SEND\ncontent-length:90\n\n", false, 90},
		{"only the first length counts", "SEND\ncontent-length:1\ncontent-length:999\n\nx\x00", true, 0},
		{"NUL body too long", "SEND\n\n" + big + "\x00", false, -1},
		{"header line too long", "SEND\nx:" + big + "\n\n\x00", false, -1},
		{"command line too long", big, false, -1},
		{"beats are not frames", strings.Repeat("\n", 500), true, 0},
		{"absurd length digits", "SEND\ncontent-length:" + strings.Repeat("0", 60) + "1\n\nx\x00", false, -1},
		{"bad length left to the frame reader", "SEND\ncontent-length:lots\n\nx\x00", true, 0},
		{"body may hold a header-like line", "SEND\ncontent-length:30\n\n\ncontent-length:99999999\n\n\n\x00", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Byte by byte and all at once must agree.
			for _, step := range []int{1, 7, len(tc.input)} {
				s := NewScanner(100)
				var err error
				for in := []byte(tc.input); len(in) > 0 && err == nil; {
					n := min(step, len(in))
					_, err = s.Scan(in[:n])
					in = in[n:]
				}
				if ok := err == nil; ok != tc.ok {
					t.Fatalf("step %d: err %v, want ok=%v", step, err, tc.ok)
				}
				var tl *TooLargeError
				if err != nil && (!errors.Is(err, ErrTooLarge) || !errors.As(err, &tl) || tl.ContentLength != tc.clen || tl.Limit != 100) {
					t.Errorf("step %d: got %#v, want a TooLargeError with content-length %d", step, err, tc.clen)
				}
			}
		})
	}
}

func TestTooLargeErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		e    TooLargeError
		want string
	}{
		{TooLargeError{Limit: 64, ContentLength: 4000000000}, "content-length 4000000000 > limit 64"},
		{TooLargeError{Limit: 64, ContentLength: 60}, "headers plus content-length 60 > limit 64"},
		{TooLargeError{Limit: 64, ContentLength: -1}, "longer than the limit of 64 bytes"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestScannerAgreesWithFrameReader(t *testing.T) {
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
	if n, err := NewScanner(100).Scan(buf.Bytes()); err != nil || n != buf.Len() {
		t.Fatalf("Scan = %d, %v; want %d, nil", n, err, buf.Len())
	}
}

// TestScanReturnsTheCompleteFrames: the bytes before the offending frame,
// heart-beats included, may be passed on; none of the offending frame.
func TestScanReturnsTheCompleteFrames(t *testing.T) {
	good := "RECEIPT\nreceipt-id:1\n\n\x00\n\nMESSAGE\ncontent-length:2\n\nab\x00\n"
	for _, bad := range []string{"MESSAGE\ncontent-length:4000000000\n\n", "MESSAGE\nx:" + strings.Repeat("y", 200)} {
		n, err := NewScanner(100).Scan([]byte(good + bad))
		if !errors.Is(err, ErrTooLarge) || n != len(good) {
			t.Errorf("Scan = %d, %v; want %d and a frame too large", n, err, len(good))
		}
	}
	// A frame begun in an earlier chunk: nothing of this chunk passes.
	s := NewScanner(100)
	if n, err := s.Scan([]byte("MESSAGE\n")); n != 8 || err != nil {
		t.Fatalf("first chunk: %d, %v", n, err)
	}
	if n, err := s.Scan([]byte("content-length:101\n\n")); n != 0 || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("second chunk: %d, %v; want 0 and a frame too large", n, err)
	}
}

// TestReaderUnderFrameReader: under a frame.Reader, the frames before an
// oversized one are read, then the error, without the frame package ever
// allocating the declared body.
func TestReaderUnderFrameReader(t *testing.T) {
	in := "RECEIPT\nreceipt-id:1\n\n\x00MESSAGE\nsubscription:s\ncontent-length:4000000000\n\n" + strings.Repeat("z", 500)
	for name, src := range map[string]io.Reader{
		"at once":      strings.NewReader(in),
		"byte by byte": iotest.OneByteReader(strings.NewReader(in)),
	} {
		t.Run(name, func(t *testing.T) {
			r := frame.NewReader(NewReader(src, 1<<20))
			f, err := r.Read()
			if err != nil || f.Command != frame.RECEIPT {
				t.Fatalf("first frame: %v, %v; want the RECEIPT", f, err)
			}
			var tl *TooLargeError
			if _, err := r.Read(); !errors.As(err, &tl) || tl.ContentLength != 4000000000 {
				t.Fatalf("second frame: want content-length 4000000000 too large, got %v", err)
			}
			if _, err := r.Read(); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("later reads: want the same error, got %v", err)
			}
		})
	}
}

func TestReaderAllocatesNothingForAHugeLength(t *testing.T) {
	in := []byte("MESSAGE\ncontent-length:4000000000\n\n")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		r := frame.NewReaderSize(NewReader(bytes.NewReader(in), 1<<20), 4096)
		if _, err := r.Read(); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("want a frame too large, got %v", err)
		}
	}
	runtime.ReadMemStats(&after)
	// Ten readers with their 4 KiB buffers, never a 4 GB body.
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("%d bytes allocated", d)
	}
}

// BenchmarkScan measures the guard's cost on a stream of MESSAGE frames
// with 1 KiB bodies, as a client reads them (bytes per second).
func BenchmarkScan(b *testing.B) {
	var buf bytes.Buffer
	w := frame.NewWriter(&buf)
	for i := range 64 {
		f := frame.New(frame.MESSAGE, frame.Subscription, "s", frame.MessageId, strconv.Itoa(i),
			frame.Destination, "/queue/bench", frame.ContentLength, "1024")
		f.Body = bytes.Repeat([]byte{'x'}, 1024)
		if err := w.Write(f); err != nil {
			b.Fatal(err)
		}
	}
	stream := buf.Bytes()
	s := NewScanner(1 << 20)
	b.SetBytes(int64(len(stream)))
	for b.Loop() {
		for p := stream; len(p) > 0; p = p[min(len(p), 16<<10):] { // 16 KiB reads
			if _, err := s.Scan(p[:min(len(p), 16<<10)]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
