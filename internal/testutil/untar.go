// Package testutil holds helpers shared by the tests of several bricks.
package testutil

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ExtractTarGz unpacks the gzip-compressed tar archive into dest (created if
// missing) and fails the test on any error. See Untar for what is preserved.
func ExtractTarGz(tb testing.TB, archive, dest string) {
	tb.Helper()
	if err := Untar(archive, dest); err != nil {
		tb.Fatal(err)
	}
}

// Untar unpacks a .tar.gz archive into dest, preserving what the test
// vectors depend on and what git would lose: empty directories, hard links
// (tar TypeLink entries become os.Link, so a dirq ".lck" shares its inode with
// the element), permission bits and modification times. Entries that would
// land outside dest, and entry types other than directories, regular files and
// hard links, are errors.
func Untar(archive, dest string) error {
	f, err := os.Open(archive)
	if err != nil {
		return fmt.Errorf("untar: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("untar %s: %w", archive, err)
	}
	defer zr.Close()
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("untar %s: %w", archive, err)
	}
	type stamp struct {
		path  string
		mtime time.Time
	}
	// Times are applied at the end, children before parents: creating an
	// entry inside a directory would otherwise reset the directory's mtime.
	var stamps []stamp
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("untar %s: %w", archive, err)
		}
		target, err := inside(dest, h.Name)
		if err != nil {
			return fmt.Errorf("untar %s: %w", archive, err)
		}
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("untar %s: %w", archive, err)
			}
		case tar.TypeReg:
			if err := writeFile(target, tr); err != nil {
				return fmt.Errorf("untar %s: %s: %w", archive, h.Name, err)
			}
		case tar.TypeLink:
			old, err := inside(dest, h.Linkname)
			if err != nil {
				return fmt.Errorf("untar %s: %w", archive, err)
			}
			if err := os.Link(old, target); err != nil {
				return fmt.Errorf("untar %s: %w", archive, err)
			}
			continue // mode and time belong to the shared inode
		default:
			return fmt.Errorf("untar %s: %s: unsupported entry type %q", archive, h.Name, h.Typeflag)
		}
		if err := os.Chmod(target, mode); err != nil {
			return fmt.Errorf("untar %s: %w", archive, err)
		}
		stamps = append(stamps, stamp{target, h.ModTime})
	}
	for i := len(stamps) - 1; i >= 0; i-- {
		s := stamps[i]
		if err := os.Chtimes(s.path, s.mtime, s.mtime); err != nil {
			return fmt.Errorf("untar %s: %w", archive, err)
		}
	}
	return nil
}

// inside joins name to dest and refuses names escaping dest.
func inside(dest, name string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(name))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("entry %q leaves the destination", name)
	}
	return filepath.Join(dest, clean), nil
}

func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
