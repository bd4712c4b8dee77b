package legacy

import (
	"os"
	"path/filepath"
	"testing"
)

// Any configuration either converts to a tree that loads, or is refused
// with an error: never a panic, never a tree the converter cannot load.
func FuzzConvertStompclt(f *testing.F) {
	for _, name := range []string{"sender.conf", "receiver.conf", "stompclt-receiver.conf"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add("incoming-broker-sockopts = a=b\noutgoing-queue = path=/o\n")
	f.Add("<incoming-queue x>\n</incoming-queue>\nsubscribe\n")
	f.Add("callback-code = $hdr{\"a\"} = \"\\\"\";delete($hdr{b})\nincoming-queue path=/i\noutgoing-queue path=/o type=NULL\n")
	f.Fuzz(func(t *testing.T, conf string) {
		path := filepath.Join(t.TempDir(), "f.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := ConvertStompclt(path)
		if err == nil && (res == nil || len(res.Tree) == 0) {
			t.Fatalf("no error and no tree")
		}
	})
}
