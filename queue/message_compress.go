package queue

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/golang/snappy"
	"github.com/pierrec/lz4/v4"
)

// compressor is one of python-messaging's body compressors, named by its
// token in the "encoding" field.
type compressor struct {
	name       string
	compress   func([]byte) ([]byte, error)
	decompress func([]byte) ([]byte, error)
	// The "encoding" values naming it, made once rather than per message:
	// NAME+base64, utf8+NAME, utf8+NAME+base64.
	base64, utf8, utf8Base64 string
}

// compressors lists the supported compressors in python-messaging's
// decoding order (lz4, snappy, zlib: the order of its COMPRESSORS dict),
// which is also the order Deserialize undoes them in. All three are built
// in, so "decoding supported but not installed" never happens here.
var compressors = []compressor{
	newCompressor("lz4", lz4Compress, lz4Decompress),
	newCompressor("snappy", snappyCompress, snappyDecompress),
	newCompressor("zlib", zlibCompress, zlibDecompress),
}

func newCompressor(name string, compress, decompress func([]byte) ([]byte, error)) compressor {
	return compressor{name: name, compress: compress, decompress: decompress,
		base64: name + "+base64", utf8: "utf8+" + name, utf8Base64: "utf8+" + name + "+base64"}
}

// lookupCompressor finds a compressor by name.
func lookupCompressor(name string) (*compressor, bool) {
	for i := range compressors {
		if compressors[i].name == name {
			return &compressors[i], true
		}
	}
	return nil, false
}

// zlibWriters recycles compressors: a new one allocates hundreds of KiB,
// far more than compressing a typical message costs.
var zlibWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

// Python's zlib.compress: an RFC 1950 stream at the default level (6).
func zlibCompress(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b)/2 + 64)
	w := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(w)
	w.Reset(&out)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// zlibReaders recycles decompressors (each holds tens of KiB of window and
// tables, more than a typical message).
var zlibReaders sync.Pool

func zlibDecompress(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	var r io.ReadCloser
	var err error
	if pooled, ok := zlibReaders.Get().(io.ReadCloser); ok {
		r, err = pooled, pooled.(zlib.Resetter).Reset(src, nil)
	} else {
		r, err = zlib.NewReader(src)
	}
	if err != nil {
		return nil, fmt.Errorf("zlib: %w", err)
	}
	defer zlibReaders.Put(r)
	out := make([]byte, 0, max(512, 4*len(b)))
	for {
		if len(out) == cap(out) {
			out = slices.Grow(out, cap(out))
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("zlib: %w", err)
		}
	}
}

// lz4Compressors recycles lz4 compressors and their hash tables.
var lz4Compressors = sync.Pool{New: func() any { return new(lz4.Compressor) }}

// lz4.block.compress with its defaults: the block is preceded by the
// uncompressed size as a 4-byte little-endian integer.
func lz4Compress(b []byte) ([]byte, error) {
	out := make([]byte, 4+lz4.CompressBlockBound(len(b)))
	binary.LittleEndian.PutUint32(out, uint32(len(b)))
	c := lz4Compressors.Get().(*lz4.Compressor)
	defer lz4Compressors.Put(c)
	n, err := c.CompressBlock(b, out[4:])
	if err != nil {
		return nil, fmt.Errorf("lz4: %w", err)
	}
	return out[:4+n], nil
}

// lz4MaxRatio bounds the size prefix we trust: an LZ4 block cannot expand
// more than about 255 times, so a larger claim is corruption, not a reason
// to allocate gigabytes.
const lz4MaxRatio = 255

func lz4Decompress(b []byte) ([]byte, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("lz4: input too short")
	}
	size := int(binary.LittleEndian.Uint32(b))
	if size > lz4MaxRatio*len(b)+16 {
		return nil, fmt.Errorf("lz4: invalid size prefix %d for %d bytes", size, len(b))
	}
	out := make([]byte, size)
	n, err := lz4.UncompressBlock(b[4:], out)
	if err != nil {
		return nil, fmt.Errorf("lz4: %w", err)
	}
	if n != size {
		return nil, fmt.Errorf("lz4: decompressed %d bytes, size prefix says %d", n, size)
	}
	return out, nil
}

// snappy.compress: a raw snappy block.
func snappyCompress(b []byte) ([]byte, error) { return snappy.Encode(nil, b), nil }

// snappyMaxRatio bounds the decoded length we trust, as lz4MaxRatio does:
// a snappy copy element of 3 bytes yields at most 64.
const snappyMaxRatio = 32

func snappyDecompress(b []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(b)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	if n > snappyMaxRatio*len(b)+64 {
		return nil, fmt.Errorf("snappy: invalid decoded length %d for %d bytes", n, len(b))
	}
	out, err := snappy.Decode(nil, b)
	if err != nil {
		return nil, fmt.Errorf("snappy: %w", err)
	}
	return out, nil
}
