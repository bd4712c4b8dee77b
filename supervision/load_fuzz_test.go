package supervision

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bricksmq/bricks/actors"
)

// FuzzLoadBytes feeds arbitrary bytes to the loader, seeded with every test
// tree: it must never panic, and must return either a tree or located
// ConfigErrors, never both and never neither.
func FuzzLoadBytes(f *testing.F) {
	for _, dir := range []string{"testdata/good", "testdata/bad"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ld := &Loader{
			LookupEnv: func(string) (string, bool) { return "", false },
			ReadFile:  func(string) ([]byte, error) { return nil, os.ErrNotExist },
		}
		tree, err := ld.LoadBytes("fuzz.yaml", data)
		var errs actors.ConfigErrors
		switch {
		case err == nil && (tree == nil || tree.Root == nil):
			t.Fatal("no tree and no error")
		case err != nil && tree != nil:
			t.Fatal("a tree along with errors")
		case err != nil && (!errors.As(err, &errs) || len(errs) == 0):
			t.Fatalf("err = %v (%T), want ConfigErrors", err, err)
		}
	})
}
