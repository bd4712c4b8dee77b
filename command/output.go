package command

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
)

// maxLine is the longest output line logged as one record; longer lines are
// logged in pieces of this size rather than buffered without bound.
const maxLine = 64 * 1024

// pumpLines logs every line read from r as one record until r ends, calling
// onLine (if set) after each. A nil logger still reads, so the program never
// blocks on a full pipe.
func pumpLines(r io.Reader, log *slog.Logger, level slog.Level, stream string, onLine func()) {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if log != nil {
				log.Log(context.Background(), level, string(bytes.TrimRight(line, "\r\n")), "stream", stream)
			}
			if onLine != nil {
				onLine()
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return // EOF, or the read deadline set once the program exited
		}
	}
}
