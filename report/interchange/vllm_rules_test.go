package interchange

import (
	"bytes"
	"math"
	"regexp"
	"slices"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// The keys `vllm bench serve --save-result --save-detailed
// --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 90,99`
// writes for a text-generation run, with their JSON types, read from
// vllm-project/vllm 009e6d4a, vllm/benchmarks/serve.py: main_async's
// result_json ("Setup" and "Traffic": date … max_concurrency), merged
// with benchmark()'s result dict (duration … rtfx) and process_one_metric's
// mean_/median_/std_/p<N>_<metric>_ms. Types: "int" an integral number,
// "num" any number, "str", "?" null allowed, lists as [T].
var vllmKeys = []struct{ key, typ string }{
	{"date", "date"}, {"endpoint_type", "str"}, {"backend", "str"}, {"label", "str?"},
	{"model_id", "str"}, {"tokenizer_id", "str?"}, {"num_prompts", "int"},
	// request_rate: args.request_rate if finite, else the string "inf".
	{"request_rate", "rate"}, {"burstiness", "num"}, {"max_concurrency", "int?"},
	{"duration", "num"}, {"completed", "int"}, {"failed", "int"},
	{"total_input_tokens", "int"}, {"total_output_tokens", "int"},
	{"request_throughput", "num"}, {"request_goodput", "num?"}, // None without --goodput
	{"output_throughput", "num"}, {"total_token_throughput", "num"},
	{"input_lens", "[int]"}, {"output_lens", "[int]"}, {"ttfts", "[num]"}, {"itls", "[[num]]"},
	{"latencies", "[num]"}, {"start_times", "[num]"},
	// queue_times and generated_texts: not recorded per request, left out.
	{"errors", "[str]"},
	{"max_output_tokens_per_s", "num"}, {"max_concurrent_requests", "int"}, {"rtfx", "num"},
}

// vllmUndetailed are the keys serve.py leaves out without --save-detailed
// (main_async, after the plots: "if not args.save_detailed: # Remove
// fields with too many data points", deleting these from result_json);
// latencies and queue_times stay.
var vllmUndetailed = []string{"input_lens", "output_lens", "start_times", "ttfts", "itls", "generated_texts", "errors"}

// vllmStatKeys: process_one_metric for ttft, tpot, itl, e2el, each mean,
// median, std and the selected percentiles. aienergy writes null where
// there were no values (vLLM: 0).
func vllmStatKeys() []string {
	var out []string
	for _, m := range []string{"ttft", "tpot", "itl", "e2el"} {
		for _, s := range []string{"mean", "median", "std", "p90", "p99"} {
			out = append(out, s+"_"+m+"_ms")
		}
	}
	return out
}

var vllmDate = regexp.MustCompile(`^\d{8}-\d{6}$`) // datetime.now().strftime("%Y%m%d-%H%M%S")

func checkVLLMType(t *testing.T, key, typ string, v any) {
	t.Helper()
	isInt := func(v any) bool { f, ok := v.(float64); return ok && f == math.Trunc(f) }
	isNum := func(v any) bool { _, ok := v.(float64); return ok }
	isStr := func(v any) bool { _, ok := v.(string); return ok }
	list := func(v any, elem func(any) bool) bool {
		l, ok := v.([]any)
		if !ok {
			return false
		}
		for _, e := range l {
			if !elem(e) {
				return false
			}
		}
		return true
	}
	if typ[len(typ)-1] == '?' {
		if v == nil {
			return
		}
		typ = typ[:len(typ)-1]
	}
	ok := false
	switch typ {
	case "int":
		ok = isInt(v)
	case "num":
		ok = isNum(v)
	case "str":
		ok = isStr(v)
	case "date":
		ok = isStr(v) && vllmDate.MatchString(v.(string))
	case "rate":
		ok = isNum(v) || v == "inf"
	case "[int]":
		ok = list(v, isInt)
	case "[num]":
		ok = list(v, isNum)
	case "[str]":
		ok = list(v, isStr)
	case "[[num]]":
		ok = list(v, func(e any) bool { return list(e, isNum) })
	}
	if !ok {
		t.Errorf("%s = %v (%T): want %s", key, v, v, typ)
	}
}

// Every file's keys are serve.py's, in its order, with its types, then
// aienergy's own (aienergy_*), for every kind of run.
func TestVLLMBenchKeysAndTypes(t *testing.T) {
	for _, fixture := range []string{runConstant, "testdata/run-two", "testdata/run-prefill"} {
		_, s, raw := generate(t, fixture)
		for _, m := range s.Models {
			var buf bytes.Buffer
			if err := WriteModelVLLMBench(&buf, s, raw, m.Model); err != nil {
				t.Fatal(err)
			}
			v := decode(t, buf.Bytes())
			var want []string
			for _, k := range vllmKeys {
				want = append(want, k.key)
				checkVLLMType(t, m.Model+": "+k.key, k.typ, v[k.key])
			}
			for _, k := range vllmStatKeys() {
				want = append(want, k)
				checkVLLMType(t, m.Model+": "+k, "num?", v[k])
			}
			keys := topKeys(buf.Bytes())
			if !slices.Equal(keys[:len(want)], want) {
				t.Errorf("%s: keys %v, want serve.py's %v first", m.Model, keys, want)
			}
			for _, k := range keys[len(want):] {
				if len(k) < 9 || k[:9] != "aienergy_" {
					t.Errorf("%s: key %q is neither serve.py's nor aienergy_*", m.Model, k)
				}
			}
			// One entry per request in every per-request list.
			n := int(v["num_prompts"].(float64))
			for _, k := range []string{"input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times", "errors"} {
				if got := len(v[k].([]any)); got != n {
					t.Errorf("%s: %s has %d entries for %d prompts", m.Model, k, got, n)
				}
			}
		}
	}
}

// relabel renames a model label in the summary and in its requests, as
// if the run had recorded it under that label.
func relabel(t *testing.T, s *report.Summary, raw *rundir.Raw, from, to string) {
	for i := range s.Models {
		if s.Models[i].Model == from {
			s.Models[i].Model = to
		}
	}
	reqs := collect(t, raw)
	for i := range reqs {
		if reqs[i].Model == from {
			reqs[i].Model = to
		}
	}
}

// The traffic keys are the label's own load, as vLLM records its
// arguments (serve.py main_async: request_rate "inf" unless finite,
// burstiness, max_concurrency None unless given), and model_id the
// served model.
func TestVLLMBenchTraffic(t *testing.T) {
	cases := []struct {
		name   string
		label  string
		load   func(*rundir.Load)
		rate   any
		maxC   any
		burst  float64
		arrive any
	}{
		{"sequential", "m1", nil, "inf", 1.0, 1, nil},
		{"concurrency", "m1", func(l *rundir.Load) { l.Mode, l.Concurrency = "concurrency", 4 }, "inf", 4.0, 1, nil},
		{"a sweep point's own concurrency", "m1 [c=16]", func(l *rundir.Load) { l.Mode, l.Concurrency = "concurrency", 4 }, "inf", 16.0, 1, nil},
		{"a stage's concurrency", "m1 [stage=heavy c=8 #2]", nil, "inf", 8.0, 1, nil},
		{"rate mode", "m1", func(l *rundir.Load) { l.Mode, l.RateRPS = "rate", 5 }, 5.0, nil, 1, "poisson"},
		{"rate with a cap and gamma arrivals", "m1", func(l *rundir.Load) {
			l.Mode, l.RateRPS, l.MaxConcurrency, l.Arrival, l.Burstiness = "rate", 5, 8, "gamma", 0.5
		}, 5.0, 8.0, 0.5, "gamma"},
		{"a rate sweep point", "m1 [rate=2.5]", func(l *rundir.Load) { l.Mode, l.Concurrency = "concurrency", 4 }, 2.5, nil, 1, "poisson"},
		{"constant arrivals", "m1", func(l *rundir.Load) { l.Mode, l.RateRPS, l.Arrival = "rate", 5, "constant" }, 5.0, nil, 1, "constant"},
	}
	for _, c := range cases {
		_, s, raw := generate(t, runConstant)
		if c.load != nil {
			c.load(&s.Load)
		}
		relabel(t, s, raw, "m1", c.label)
		var buf bytes.Buffer
		if err := WriteModelVLLMBench(&buf, s, raw, c.label); err != nil {
			t.Fatal(err)
		}
		v := decode(t, buf.Bytes())
		for key, want := range map[string]any{
			"request_rate": c.rate, "max_concurrency": c.maxC, "burstiness": c.burst,
			"model_id": "m1", "tokenizer_id": "m1", "aienergy_arrival": c.arrive,
		} {
			if got := v[key]; got != want {
				t.Errorf("%s: %s = %v, want %v", c.name, key, got, want)
			}
		}
		if got := v["num_prompts"]; got != 10.0 {
			t.Errorf("%s: num_prompts = %v", c.name, got)
		}
	}
}

// Estimated token counts came from no tokenizer.
func TestVLLMBenchEstimatedTokens(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	s.Models[0].TokensEstimated = true
	var buf bytes.Buffer
	if err := WriteVLLMBench(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	if v["tokenizer_id"] != nil || v["aienergy_tokens_estimated"] != true {
		t.Errorf("tokenizer_id %v, aienergy_tokens_estimated %v; want null, true", v["tokenizer_id"], v["aienergy_tokens_estimated"])
	}
}

// Past the detailed limits the file is serve.py's without --save-detailed:
// its keys less vllmUndetailed, in the same order, with the same types.
func TestVLLMBenchUndetailedKeys(t *testing.T) {
	saved := detailedLimits
	detailedLimits.requests = 3 // run-two's labels have 4 requests each
	t.Cleanup(func() { detailedLimits = saved })
	_, s, raw := generate(t, "testdata/run-two")
	for _, m := range s.Models {
		var buf bytes.Buffer
		if err := WriteModelVLLMBench(&buf, s, raw, m.Model); err != nil {
			t.Fatal(err)
		}
		v := decode(t, buf.Bytes())
		var want []string
		for _, k := range vllmKeys {
			if slices.Contains(vllmUndetailed, k.key) {
				if _, ok := v[k.key]; ok {
					t.Errorf("%s: %s written without the detailed lists", m.Model, k.key)
				}
				continue
			}
			want = append(want, k.key)
			checkVLLMType(t, m.Model+": "+k.key, k.typ, v[k.key])
		}
		want = append(want, vllmStatKeys()...)
		if keys := topKeys(buf.Bytes()); !slices.Equal(keys[:len(want)], want) {
			t.Errorf("%s: keys %v, want serve.py's %v first", m.Model, keys, want)
		}
		if got := len(v["latencies"].([]any)); got != 4 {
			t.Errorf("%s: %d latencies, want 4", m.Model, got)
		}
		if msg, _ := v["aienergy_per_request_lists"].(string); msg == "" {
			t.Errorf("%s: aienergy_per_request_lists does not say why the lists are left out", m.Model)
		}
	}
}
