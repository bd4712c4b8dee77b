package embedded

import (
	"testing"

	"github.com/bricksmq/bricks/internal/stomptest"
)

func TestConformanceMemory(t *testing.T) {
	_, tg := start(t, Options{})
	tg.StrictErrors = true
	stomptest.Run(t, tg, nil)
}

func TestConformanceWithLogin(t *testing.T) {
	_, tg := start(t, Options{Users: map[string]string{"bricks": "s3cret"}})
	tg.StrictErrors = true
	stomptest.Run(t, tg, nil)
}

func TestConformanceDir(t *testing.T) {
	_, tg := start(t, Options{Storage: StorageDir, Dir: t.TempDir()})
	tg.StrictErrors = true
	stomptest.Run(t, tg, nil)
}
