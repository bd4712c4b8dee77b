package embedded

import (
	"fmt"
	"log/slog"
	"time"
)

// Storage kinds for Options.Storage.
const (
	StorageMemory = "memory" // queues live in memory and die with the process
	StorageDir    = "dir"    // each queue is a DQS directory queue under Options.Dir
)

// Defaults applied by New to zero Options fields.
const (
	DefaultAddr           = "127.0.0.1:61613"
	DefaultHeartBeat      = 10 * time.Second
	DefaultMaxFrameSize   = 16 << 20
	DefaultPrefetch       = 1000
	DefaultConnectTimeout = 30 * time.Second
	DefaultCloseTimeout   = 5 * time.Second
)

// Options configure a Server. The zero value is a memory broker on
// DefaultAddr accepting anyone.
type Options struct {
	// Addr is the TCP address to listen on; "127.0.0.1:0" picks a free port.
	Addr string
	// Storage is StorageMemory (default) or StorageDir.
	Storage string
	// Dir is the directory holding one DQS queue per destination; required
	// with StorageDir.
	Dir string
	// Users maps login to passcode. Empty accepts any client, with or
	// without credentials.
	Users map[string]string
	// HeartBeatSend is how often the server can send heart-beats and
	// HeartBeatReceive how often it wants to hear from clients (the CONNECTED
	// "heart-beat" header). Zero means DefaultHeartBeat, negative disables.
	// The negotiated intervals follow the STOMP 1.2 rules; a client silent
	// for twice its interval is disconnected.
	HeartBeatSend, HeartBeatReceive time.Duration
	// MaxFrameSize bounds a client frame (command, headers and body);
	// zero means DefaultMaxFrameSize. Bigger frames get an ERROR.
	MaxFrameSize int
	// Prefetch is the number of unacknowledged messages a subscription may
	// hold when its SUBSCRIBE names none; zero means DefaultPrefetch.
	Prefetch int
	// ConnectTimeout bounds the wait for a new client's CONNECT frame; zero
	// means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
}

// withDefaults returns o with zero fields replaced by the defaults, or an
// error naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	switch o.Storage {
	case "":
		o.Storage = StorageMemory
	case StorageMemory:
	case StorageDir:
		if o.Dir == "" {
			return o, fmt.Errorf("embedded broker: storage %q needs a dir", StorageDir)
		}
	default:
		return o, fmt.Errorf("embedded broker: unknown storage %q (want %s or %s)", o.Storage, StorageMemory, StorageDir)
	}
	o.HeartBeatSend = beatDefault(o.HeartBeatSend)
	o.HeartBeatReceive = beatDefault(o.HeartBeatReceive)
	if o.MaxFrameSize <= 0 {
		o.MaxFrameSize = DefaultMaxFrameSize
	}
	if o.Prefetch <= 0 {
		o.Prefetch = DefaultPrefetch
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

func beatDefault(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultHeartBeat
	case d < 0:
		return 0
	}
	return d
}
