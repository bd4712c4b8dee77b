package queuebench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bricksmq/bricks/queue"
)

// RSSReport is the memory used while iterating a large queue.
type RSSReport struct {
	Elements int           // elements iterated
	Fill     time.Duration // time to add them
	Iterate  time.Duration // time to iterate them
	BaseKiB  int           // resident set before iterating
	PeakKiB  int           // peak resident set during the iteration
}

// IterateRSS fills a DQS queue under dir with n empty elements (one
// intermediate directory per 60 s, so at high rates nearly all land in one:
// the worst case for per-directory listing), then resets the process's peak
// RSS (/proc/self/clear_refs) and iterates the queue, reporting the peak.
func IterateRSS(dir string, n int) (RSSReport, error) {
	r := RSSReport{Elements: n}
	tmp, err := os.MkdirTemp(dir, "bricks-rss-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	q, err := queue.NewDQS(tmp+"/q", queue.DQSOptions{})
	if err != nil {
		return r, err
	}
	start := time.Now()
	for range n {
		if _, err := q.Add(nil); err != nil {
			return r, err
		}
	}
	r.Fill = time.Since(start)
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return r, fmt.Errorf("cannot reset the peak RSS: %w", err)
	}
	if r.BaseKiB, err = procStatus("VmRSS"); err != nil {
		return r, err
	}
	start = time.Now()
	seen := 0
	for _, err := range q.Names() {
		if err != nil {
			return r, err
		}
		seen++
	}
	r.Iterate = time.Since(start)
	if seen != n {
		return r, fmt.Errorf("iterated %d of %d elements", seen, n)
	}
	if r.PeakKiB, err = procStatus("VmHWM"); err != nil {
		return r, err
	}
	return r, nil
}

// procStatus reads a "kB" field of /proc/self/status.
func procStatus(field string) (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("/proc/self/status has no %s", field)
}
