package supervision

// AutoShutdown says whether a supervisor ends by itself once its
// significant children have ended, with the meaning OTP 24 gives the
// auto_shutdown flag. It is how a tree of finite jobs (a transfer with
// `count:` or `loop: false`) ends normally when the work is done: the job
// node is transient and significant, its supervisor shuts down
// automatically, and so on up to the root, whose end ends `bricks run`.
type AutoShutdown int

const (
	// NeverShutdown keeps the supervisor running whatever its children do
	// (the OTP default).
	NeverShutdown AutoShutdown = iota
	// AnySignificant shuts the supervisor down, normally, as soon as one
	// significant child ended and is not restarted.
	AnySignificant
	// AllSignificant shuts the supervisor down, normally, once every
	// significant child ended and none is restarted.
	AllSignificant
)

var autoShutdownNames = []string{"never", "any_significant", "all_significant"}

// String returns the YAML spelling.
func (a AutoShutdown) String() string { return enumName(autoShutdownNames, int(a)) }

// ParseAutoShutdown reads the YAML spelling.
func ParseAutoShutdown(s string) (AutoShutdown, error) {
	i, err := parseEnum(autoShutdownNames, s)
	return AutoShutdown(i), err
}

// significantEnded is called when c ended and will not be restarted: it
// shuts this supervisor down when its auto_shutdown flag says so. It
// reports whether it did.
func (s *supervisor) significantEnded(c *child) bool {
	if !c.node.Significant {
		return false
	}
	switch s.node.AutoShutdown {
	case AnySignificant:
	case AllSignificant:
		for _, o := range s.children {
			if o.node.Significant && o.state != stDown {
				return false
			}
		}
	default:
		return false
	}
	s.stop()
	return true
}
