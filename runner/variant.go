package runner

import (
	"fmt"
	"strings"

	"github.com/aienergy/aienergy/load"
)

// A Variant is one way of running a model: a sweep point (concurrency or
// rate), the prefill-only run of the prefill/decode split, a repetition.
// Each gets its own idle, warmup and measured phases and its own figures,
// recorded under the model's label, e.g. "llama3 [c=8 prefill #2]".
type Variant struct {
	// Stage names a load-profile stage (light, moderate, …), which may set
	// its own request count and output-token range.
	Stage     string
	Requests  int // 0: the plan's
	MinTokens int // 0 with MaxTokens 0: the plan's
	MaxTokens int

	Concurrency int        // 0: the plan's
	Rate        *load.Rate // nil: the plan's
	Prefill     bool       // one output token per request
	Repetition  int        // 1-based; 0 when the plan has no repetitions

	// PowerLimitW and ClockMHz are the GPUs' power limit and locked
	// graphics clock during the variant, set through Plan.GPU before its
	// idle phase; 0 leaves them as they are.
	PowerLimitW float64
	ClockMHz    int
}

// Tag names the variant inside a label: "cap=300W c=8 prefill #2"; "" for
// the plain run. The GPU settings come first, as the outermost sweep.
func (v Variant) Tag() string {
	var parts []string
	if v.PowerLimitW > 0 {
		parts = append(parts, fmt.Sprintf("cap=%gW", v.PowerLimitW))
	}
	if v.ClockMHz > 0 {
		parts = append(parts, fmt.Sprintf("clock=%dMHz", v.ClockMHz))
	}
	if v.Stage != "" {
		parts = append(parts, "stage="+v.Stage)
	}
	if v.Concurrency > 0 {
		parts = append(parts, fmt.Sprintf("c=%d", v.Concurrency))
	}
	if v.Rate != nil {
		parts = append(parts, fmt.Sprintf("rate=%g", v.Rate.RPS))
	}
	if v.Prefill {
		parts = append(parts, "prefill")
	}
	if v.Repetition > 0 {
		parts = append(parts, fmt.Sprintf("#%d", v.Repetition))
	}
	return strings.Join(parts, " ")
}

// Label is the name a model's variant is recorded under.
func (v Variant) Label(model string) string {
	if t := v.Tag(); t != "" {
		return model + " [" + t + "]"
	}
	return model
}
