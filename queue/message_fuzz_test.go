package queue

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDeserialize checks that no input makes Deserialize panic and that
// whatever it accepts survives Serialize and Deserialize unchanged, with
// and without compression. Seeds: every message vector.
//
// The seeds include 20 KiB compliance vectors, which Go's fuzzer spends its
// time minimising when they gain coverage (execs stay at 0/sec); run it
// with a bounded minimisation to keep it exploring:
//
//	go test -run '^$' -fuzz FuzzDeserialize -fuzztime 60s -fuzzminimizetime 100x ./queue/
func FuzzDeserialize(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(messageVectors, "compliance", "*"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	var mf messagesFile
	loadJSON(f, "messages.json", &mf)
	for _, c := range mf.Cases {
		f.Add([]byte(c.Serialized))
	}
	for _, c := range mf.DecodeOnly {
		f.Add([]byte(c.Serialized))
	}
	for _, c := range mf.DecodeErrors {
		f.Add([]byte(c.Serialized))
	}
	var dv decodeVectors
	loadJSON(f, "decode_vectors.json", &dv)
	for _, c := range dv.Decode {
		if in, err := base64.StdEncoding.DecodeString(c.Input); err == nil {
			f.Add(in)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Deserialize(data)
		if err != nil {
			if _, ok := err.(*MessageError); !ok {
				t.Fatalf("error %T is not a *MessageError: %v", err, err)
			}
			return
		}
		roundTrip(t, m, SerializeOptions{})
		// One compressor per input keeps executions cheap.
		roundTrip(t, m, SerializeOptions{Compression: compressors[len(data)%len(compressors)].name})
	})
}
