package sink

import (
	"math"
	"testing"
)

func TestLineProtocolEscaping(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (string, bool)
		want string
	}{
		{"plain", func() (string, bool) {
			p := newPoint("aienergy_run")
			p.tag("model", "m1")
			p.float("energy_j", 900)
			p.integer("completed", 5)
			return p.line(1795392008000000000)
		}, "aienergy_run,model=m1 energy_j=900,completed=5i 1795392008000000000"},
		{"tag and measurement escapes", func() (string, bool) {
			p := newPoint("my run,x")
			p.tag("model", `org/Llama 3,1=8B "q"`)
			p.tag("host", "a\nb")
			p.tag("empty", "")
			p.str("note", `say "hi" \ bye`)
			return p.line(1)
		}, `my\ run\,x,model=org/Llama\ 3\,1\=8B\ "q",host=a\ b note="say \"hi\" \\ bye" 1`},
		{"field key escapes, floats exact", func() (string, bool) {
			p := newPoint("m")
			p.float("a b=c,d", 0.1)
			p.float("tiny", 1e-7)
			p.float("big", 1.5e300)
			p.boolean("ok", true)
			return p.line(2)
		}, `m a\ b\=c\,d=0.1,tiny=1e-07,big=1.5e+300,ok=true 2`},
		{"NaN and Inf are left out", func() (string, bool) {
			p := newPoint("m")
			p.float("nan", math.NaN())
			p.float("inf", math.Inf(1))
			p.float("x", 2)
			return p.line(3)
		}, "m x=2 3"},
	} {
		got, ok := tc.make()
		if !ok || got != tc.want {
			t.Errorf("%s:\n got %s (ok %v)\nwant %s", tc.name, got, ok, tc.want)
		}
	}
	p := newPoint("m")
	p.float("nan", math.NaN())
	if _, ok := p.line(1); ok {
		t.Error("a point with no fields must not make a line")
	}
}
