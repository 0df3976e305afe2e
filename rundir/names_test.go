package rundir

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	long := strings.Repeat("very-long-model-name-", 15)
	for _, c := range []struct{ in, want string }{
		{"llama3", "llama3"},
		{"openai/gpt-oss-120b", "openai_gpt-oss-120b"},
		{"llama3.2:1b [c=8 prefill #2]", "llama3.2_1b__c_8_prefill__2_"},
		{"", "_"},
		{"..", "_.."}, // never a directory's own name
	} {
		if got := FileName(c.in); got != c.want {
			t.Errorf("FileName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	a, b := FileName(long+"a"), FileName(long+"b")
	if len(a) != MaxFileName || len(b) != MaxFileName || a == b || !strings.HasPrefix(a, "very-long-model-name-") {
		t.Errorf("long names %q and %q: want %d bytes each, distinct, starting like the name", a, b, MaxFileName)
	}
	if FileName(long+"a") != a {
		t.Error("FileName is not stable")
	}
}

// Names that the sanitising makes equal get the hash too, so that one
// model's files never overwrite another's.
func TestFileNames(t *testing.T) {
	got := FileNames([]string{"org/m", "org_m", "x", "модель", "模型"})
	if got[0] == got[1] || got[3] == got[4] || got[2] != "x" {
		t.Errorf("FileNames = %q: want distinct names, x kept", got)
	}
	for _, n := range got {
		if len(n) > MaxFileName || strings.ContainsAny(n, "/\\ ") {
			t.Errorf("unsafe name %q", n)
		}
	}
}

// JSON has no Inf or NaN: WriteJSON writes null in their place instead of
// failing and losing the file (run.json after load.rate=1e308).
func TestWriteJSONNonFinite(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	type inner struct {
		P *float64 `json:"p"`
		F float64  `json:"f"`
	}
	v := struct {
		A float64            `json:"a"`
		B *float64           `json:"b"`
		C []float64          `json:"c"`
		M map[string]float64 `json:"m"`
		I []inner            `json:"i"`
		X any                `json:"x"`
		K float64            `json:"k"`
	}{A: inf, B: &nan, C: []float64{1, math.Inf(-1)}, M: map[string]float64{"z": nan}, I: []inner{{P: &inf, F: nan}}, X: inf, K: 2.5}
	dir := t.TempDir()
	if err := WriteJSON(dir, "v.json", v); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "v.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"a":null,"b":null,"c":[1,null],"i":[{"f":null,"p":null}],"k":2.5,"m":{"z":null},"x":null}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("written %s\nwant      %s", b, want)
	}
	if !math.IsInf(v.A, 1) || !math.IsNaN(*v.B) || !math.IsInf(*v.I[0].P, 1) {
		t.Error("WriteJSON changed the value it wrote")
	}
}
