package queue

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

type pyDump struct {
	Count    int `json:"count"`
	Elements []struct {
		Name          string         `json:"name"`
		LockedByOther bool           `json:"locked_by_other"`
		Data          map[string]any `json:"data"`
	} `json:"elements"`
}

func interopPayloads() [][]byte {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i % 251)
	}
	return [][]byte{[]byte("hello world\n"), all, {0x00, 0xff, 0xfe, 0x80, 'a', 0x00, 0xc3, 0x28}, {}, big, []byte("héllo ✓ 😀")}
}

func TestInteropDQSGoWritesPythonReads(t *testing.T) {
	needPythonDirq(t)
	q := newDQS(t, DQSOptions{})
	payloads := interopPayloads()
	var names []string
	for _, p := range payloads {
		n, err := q.Add(p)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if ok, _ := q.Lock(names[2]); !ok {
		t.Fatal("lock failed")
	}
	var d pyDump
	runDirqtool(t, nil, &d, "dump", "dqs", q.Path())
	if d.Count != len(payloads) || len(d.Elements) != len(payloads) {
		t.Fatalf("python count %d, %d elements; want %d", d.Count, len(d.Elements), len(payloads))
	}
	for i, e := range d.Elements {
		got, _ := base64.StdEncoding.DecodeString(e.Data["b64"].(string))
		if e.Name != names[i] || !bytes.Equal(got, payloads[i]) {
			t.Errorf("python element %d: %s %d bytes, want %s %d bytes", i, e.Name, len(got), names[i], len(payloads[i]))
		}
		if e.LockedByOther != (i == 2) {
			t.Errorf("python element %d: locked_by_other %v", i, e.LockedByOther)
		}
	}
	// python removes what Go added; Go sees it gone
	var ok bool
	runDirqtool(t, nil, &ok, "remove", "dqs", q.Path(), names[0])
	if got := collect(t, q); slices.Contains(got, names[0]) || len(got) != len(names)-1 {
		t.Errorf("after python remove: %v", got)
	}
	// python cannot lock what Go locked
	runDirqtool(t, nil, &ok, "lock", "dqs", q.Path(), names[2])
	if ok {
		t.Error("python locked an element Go holds")
	}
}

func TestInteropDQSPythonWritesGoReads(t *testing.T) {
	needPythonDirq(t)
	q := newDQS(t, DQSOptions{})
	payloads := interopPayloads()
	var in []map[string]string
	for _, p := range payloads {
		in = append(in, map[string]string{"b64": base64.StdEncoding.EncodeToString(p)})
	}
	in = append(in, map[string]string{"str": "añadido como str ✓"})
	payloads = append(payloads, []byte("añadido como str ✓"))
	var names []string
	runDirqtool(t, in, &names, "add", "dqs", q.Path())
	if got := collect(t, q); !slices.Equal(got, names) {
		t.Fatalf("Go Names = %v, python added %v", got, names)
	}
	if c, _ := q.Count(); c != len(payloads) {
		t.Errorf("Count = %d", c)
	}
	var ok bool
	runDirqtool(t, nil, &ok, "lock", "dqs", q.Path(), names[1])
	if !ok {
		t.Fatal("python lock failed")
	}
	for i, n := range names {
		locked, err := q.Lock(n)
		if err != nil || locked == (i == 1) {
			t.Errorf("Go Lock(%d) = %v, %v", i, locked, err)
		}
		b, err := q.Get(n)
		if err != nil || !bytes.Equal(b, payloads[i]) {
			t.Errorf("element %d: %d bytes, %v; want %d bytes", i, len(b), err, len(payloads[i]))
		}
		if i != 1 {
			if err := q.Remove(n); err != nil {
				t.Fatal(err)
			}
		}
	}
	var d pyDump
	runDirqtool(t, nil, &d, "dump", "dqs", q.Path())
	if d.Count != 1 || len(d.Elements) != 1 || d.Elements[0].Name != names[1] {
		t.Errorf("python after Go removes: %+v", d)
	}
}

func schemaJSON(t *testing.T, s map[string]string) string {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dqnInterop covers every field type, escaping and empty values.
var dqnInteropSchema = map[string]string{"header": "table", "binary": "binary?", "text": "string?*", "id": "string"}

func dqnInteropElements() []map[string]any {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	return []map[string]any{
		{"id": "plain", "header": map[string]string{"subject": "plain", "empty": ""}, "text": "hello"},
		{"id": "escaping", "header": map[string]string{"tab\there": "new\nline", "back\\slash": `c:\dir\n`, "": "empty key", "uni ✓": "é\r\x00?", "lit\\t": `not a tab: \t`}, "binary": all},
		{"id": "empties", "header": map[string]string{}, "binary": []byte{}, "text": ""},
		{"id": "nonutf8", "header": map[string]string{"k": "v"}, "binary": []byte{0, 0xff, 0xfe, 0x80}, "text": "héllo ✓ 😀"},
	}
}

func TestInteropDQNGoWritesPythonReads(t *testing.T) {
	needPythonDirq(t)
	q := newDQN(t, DQNOptions{Schema: dqnInteropSchema, Maxelts: 3})
	elts := dqnInteropElements()
	var names []string
	for _, e := range elts {
		n, err := q.Add(e)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if names[3][:8] != "00000001" {
		t.Errorf("maxelts 3: fourth element in %s", names[3])
	}
	q.Lock(names[0])
	var d pyDump
	runDirqtool(t, nil, &d, "dump", "dqn", q.Path(), schemaJSON(t, dqnInteropSchema))
	if d.Count != len(elts) || len(d.Elements) != len(elts) {
		t.Fatalf("python count %d, %d elements", d.Count, len(d.Elements))
	}
	for i, pe := range d.Elements {
		if pe.Name != names[i] || pe.LockedByOther != (i == 0) {
			t.Errorf("python element %d: %s locked_by_other=%v", i, pe.Name, pe.LockedByOther)
		}
		checkPyFields(t, elts[i], pe.Data)
	}
	// the exact table bytes on disk are FormatTable's, which python parsed
	// back to the same map above
	raw, _ := os.ReadFile(filepath.Join(q.Path(), names[1], "header"))
	if !bytes.Equal(raw, FormatTable(elts[1]["header"].(map[string]string))) {
		t.Errorf("header file %q", raw)
	}
	var ok bool
	runDirqtool(t, nil, &ok, "lock", "dqn", q.Path(), names[0], schemaJSON(t, dqnInteropSchema))
	if ok {
		t.Error("python locked an element Go holds")
	}
	runDirqtool(t, nil, &ok, "remove", "dqn", q.Path(), names[1], schemaJSON(t, dqnInteropSchema))
	if c, _ := q.Count(); c != len(elts)-1 {
		t.Errorf("Count after python remove = %d", c)
	}
}

// checkPyFields compares an element as python returned it (binary in
// base64) with what Go stored.
func checkPyFields(t *testing.T, want map[string]any, got map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%v: python fields %v", want["id"], got)
	}
	for k, w := range want {
		switch w := w.(type) {
		case []byte:
			b, _ := base64.StdEncoding.DecodeString(got[k].(string))
			if !bytes.Equal(b, w) {
				t.Errorf("%v/%s = %q, want %q", want["id"], k, b, w)
			}
		case string:
			if got[k] != w {
				t.Errorf("%v/%s = %q, want %q", want["id"], k, got[k], w)
			}
		case map[string]string:
			m := map[string]string{}
			for kk, vv := range got[k].(map[string]any) {
				m[kk] = vv.(string)
			}
			if !mapsEqual(m, w) {
				t.Errorf("%v/%s = %q, want %q", want["id"], k, m, w)
			}
		}
	}
}

func TestInteropDQNPythonWritesGoReads(t *testing.T) {
	needPythonDirq(t)
	q := newDQN(t, DQNOptions{Schema: dqnInteropSchema})
	elts := dqnInteropElements()
	var in []map[string]any
	for _, e := range elts {
		c := map[string]any{}
		for k, v := range e {
			if b, ok := v.([]byte); ok {
				v = base64.StdEncoding.EncodeToString(b)
			}
			c[k] = v
		}
		in = append(in, c)
	}
	var names []string
	runDirqtool(t, in, &names, "add", "dqn", q.Path(), schemaJSON(t, dqnInteropSchema))
	if got := collect(t, q); !slices.Equal(got, names) {
		t.Fatalf("Go Names = %v, python added %v", got, names)
	}
	for i, n := range names {
		if ok, err := q.Lock(n); !ok || err != nil {
			t.Fatalf("Lock = %v %v", ok, err)
		}
		got, err := q.Get(n)
		if err != nil {
			t.Fatal(err)
		}
		for k, w := range elts[i] {
			switch w := w.(type) {
			case []byte:
				if !bytes.Equal(got[k].([]byte), w) {
					t.Errorf("%d/%s = %q", i, k, got[k])
				}
			case string:
				if got[k] != w {
					t.Errorf("%d/%s = %q", i, k, got[k])
				}
			case map[string]string:
				if !mapsEqual(got[k].(map[string]string), w) {
					t.Errorf("%d/%s = %q", i, k, got[k])
				}
				raw, _ := os.ReadFile(filepath.Join(q.Path(), n, k))
				if !bytes.Equal(raw, FormatTable(w)) {
					t.Errorf("python wrote %q, FormatTable gives %q", raw, FormatTable(w))
				}
			}
		}
		if len(got) != len(elts[i]) {
			t.Errorf("%d: fields %v", i, got)
		}
		if err := q.Remove(n); err != nil {
			t.Fatal(err)
		}
	}
	var d pyDump
	runDirqtool(t, nil, &d, "dump", "dqn", q.Path(), schemaJSON(t, dqnInteropSchema))
	if d.Count != 0 || len(d.Elements) != 0 {
		t.Errorf("python after Go removes: %+v", d)
	}
	ents, _ := os.ReadDir(filepath.Join(q.Path(), obsoleteDir))
	if len(ents) != 0 {
		t.Errorf("obsolete/ = %v", ents)
	}
}
