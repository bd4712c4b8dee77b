package embedded

import (
	"crypto/subtle"
	"strconv"
	"strings"
	"time"

	"github.com/go-stomp/stomp/v3/frame"
)

// serverName is the CONNECTED "server" header (no colon: CONNECTED
// headers are escaped by the frame writer).
const serverName = "bricks-embedded/1"

// supportedVersions lists the STOMP versions the broker speaks, best last.
var supportedVersions = []string{"1.0", "1.1", "1.2"}

// connect handles the first frame: version negotiation, login and
// heart-beats, answered by CONNECTED.
func (c *conn) connect(f *frame.Frame) error {
	if f.Command != frame.CONNECT && f.Command != frame.STOMP {
		return protoErrorf("not connected", "the first frame must be CONNECT or STOMP, got %s", f.Command)
	}
	version, err := negotiateVersion(f.Header.Get(frame.AcceptVersion))
	if err != nil {
		return err
	}
	c.version = version
	if err := c.s.authenticate(f.Header.Get(frame.Login), f.Header.Get(frame.Passcode)); err != nil {
		c.log.Info("stomp login refused", "login", f.Header.Get(frame.Login))
		return err
	}
	cx, cy := time.Duration(0), time.Duration(0)
	if hb, ok := f.Header.Contains(frame.HeartBeat); ok && version != "1.0" {
		if cx, cy, err = frame.ParseHeartBeat(hb); err != nil {
			return protoErrorf("invalid heart-beat header", "%q: want two millisecond counts such as 10000,10000", hb)
		}
	}
	sx, sy := c.s.opts.HeartBeatSend, c.s.opts.HeartBeatReceive
	// STOMP 1.2: each direction beats at the larger of what the sender can
	// do and what the receiver wants, when both are non-zero.
	if sx > 0 && cy > 0 {
		c.beatEvery.Store(int64(max(sx, cy) / 2)) // half, so jitter never trips the client
	}
	var readTimeout time.Duration
	if cx > 0 && sy > 0 {
		readTimeout = 2 * max(cx, sy)
	}
	c.rd.setTimeout(readTimeout)
	c.connected = true

	cf := frame.New(frame.CONNECTED, frame.Server, serverName, frame.Session, c.session)
	if version != "1.0" {
		cf.Header.Add(frame.Version, version)
		cf.Header.Add(frame.HeartBeat, strconv.FormatInt(sx.Milliseconds(), 10)+","+strconv.FormatInt(sy.Milliseconds(), 10))
	}
	c.reply(cf)
	c.log.Debug("stomp client connected", "version", version, "send-beat", time.Duration(c.beatEvery.Load()), "read-timeout", readTimeout)
	return nil
}

// negotiateVersion picks the highest version both sides speak; no
// accept-version header means STOMP 1.0.
func negotiateVersion(accept string) (string, error) {
	if accept == "" {
		return "1.0", nil
	}
	best := ""
	for _, v := range strings.Split(accept, ",") {
		v = strings.TrimSpace(v)
		for _, sv := range supportedVersions {
			if v == sv && v > best {
				best = v
			}
		}
	}
	if best == "" {
		pe := protoErrorf("unsupported STOMP version", "accept-version %q: this broker speaks %s", accept, strings.Join(supportedVersions, ","))
		pe.header = []string{frame.Version, strings.Join(supportedVersions, ",")}
		return "", pe
	}
	return best, nil
}

// authenticate checks login and passcode against Options.Users; with no
// users configured anyone may connect.
func (s *Server) authenticate(login, passcode string) error {
	if len(s.opts.Users) == 0 {
		return nil
	}
	want, ok := s.opts.Users[login]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(passcode)) != 1 {
		return protoErrorf("access refused", "unknown login or wrong passcode for %q", login)
	}
	return nil
}
