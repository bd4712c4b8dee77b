package queue

import (
	"strings"
	"testing"
)

func benchMessages() map[string]*Message {
	hdr := map[string]string{"destination": "/queue/test", "message-id": "ID:42", "persistent": "true"}
	bin := make([]byte, 1024)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	return map[string]*Message{
		"text1k":   NewText(strings.Repeat("héllo wörld ", 73), hdr),
		"binary1k": NewBinary(bin, hdr),
	}
}

func BenchmarkSerialize(b *testing.B) {
	for name, m := range benchMessages() {
		for _, comp := range []string{"", "zlib"} {
			b.Run(name+"/"+comp, func(b *testing.B) {
				b.SetBytes(int64(len(m.Body)))
				for b.Loop() {
					if _, err := m.Serialize(SerializeOptions{Compression: comp}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkDeserialize(b *testing.B) {
	for name, m := range benchMessages() {
		for _, comp := range []string{"", "zlib"} {
			data, err := m.Serialize(SerializeOptions{Compression: comp})
			if err != nil {
				b.Fatal(err)
			}
			b.Run(name+"/"+comp, func(b *testing.B) {
				b.SetBytes(int64(len(m.Body)))
				for b.Loop() {
					if _, err := Deserialize(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
