package stomptest

// QuietLogger silences the go-stomp client, which otherwise logs to the
// standard logger, from goroutines that may outlive the test (so they
// cannot log to testing.T either). The suite reports failures itself.
// Use it with stomp.ConnOpt.Logger(stomptest.QuietLogger{}).
type QuietLogger struct{}

// Debugf discards the message.
func (QuietLogger) Debugf(string, ...any) {}

// Infof discards the message.
func (QuietLogger) Infof(string, ...any) {}

// Warningf discards the message.
func (QuietLogger) Warningf(string, ...any) {}

// Errorf discards the message.
func (QuietLogger) Errorf(string, ...any) {}

// Debug discards the message.
func (QuietLogger) Debug(string) {}

// Info discards the message.
func (QuietLogger) Info(string) {}

// Warning discards the message.
func (QuietLogger) Warning(string) {}

// Error discards the message.
func (QuietLogger) Error(string) {}
