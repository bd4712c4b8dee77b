package testutil

import (
	"archive/tar"
	"compress/gzip"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func writeArchive(t *testing.T, path string, entries []*tar.Header, bodies map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for _, h := range entries {
		if b, ok := bodies[h.Name]; ok {
			h.Size = int64(len(b))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if b, ok := bodies[h.Name]; ok {
			if _, err := tw.Write([]byte(b)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []interface{ Close() error }{tw, zw, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestUntarKeepsLinksModesTimes(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "a.tar.gz")
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	writeArchive(t, archive, []*tar.Header{
		{Name: "q/", Typeflag: tar.TypeDir, Mode: 0o750, ModTime: old},
		{Name: "q/empty/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: old},
		{Name: "q/f", Typeflag: tar.TypeReg, Mode: 0o640, ModTime: old},
		{Name: "q/f.lck", Typeflag: tar.TypeLink, Linkname: "q/f", ModTime: old},
	}, map[string]string{"q/f": "payload"})
	dest := filepath.Join(dir, "out")
	ExtractTarGz(t, archive, dest)

	fi, err := os.Stat(filepath.Join(dest, "q/f"))
	if err != nil {
		t.Fatal(err)
	}
	li, err := os.Stat(filepath.Join(dest, "q/f.lck"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(fi, li) || fi.Sys().(*syscall.Stat_t).Nlink != 2 {
		t.Errorf("f.lck is not a hard link of f")
	}
	if fi.Mode().Perm() != 0o640 || !fi.ModTime().Equal(old) {
		t.Errorf("f: mode %v mtime %v, want 0640 %v", fi.Mode().Perm(), fi.ModTime(), old)
	}
	qi, err := os.Stat(filepath.Join(dest, "q"))
	if err != nil {
		t.Fatal(err)
	}
	if qi.Mode().Perm() != 0o750 || !qi.ModTime().Equal(old) {
		t.Errorf("q: mode %v mtime %v, want 0750 %v", qi.Mode().Perm(), qi.ModTime(), old)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "q/f")); string(b) != "payload" {
		t.Errorf("f = %q", b)
	}
	if ei, err := os.Stat(filepath.Join(dest, "q/empty")); err != nil || !ei.IsDir() {
		t.Errorf("empty dir missing: %v", err)
	}
}

func TestUntarRejectsEscapes(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "a.tar.gz")
	writeArchive(t, archive, []*tar.Header{
		{Name: "../evil", Typeflag: tar.TypeReg, Mode: 0o644},
	}, map[string]string{"../evil": "x"})
	if err := Untar(archive, filepath.Join(dir, "out")); err == nil {
		t.Fatal("archive escaping dest was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "evil")); err == nil {
		t.Fatal("file written outside dest")
	}
}
