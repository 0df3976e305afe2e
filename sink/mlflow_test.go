package sink

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMLflowSend(t *testing.T) {
	r := finishedRun(t, "run-two-models")
	f := newFakeMLflow(t)
	f.token = "s3cret"
	t.Setenv("AIENERGY_TEST_MLFLOW_TOKEN", "s3cret")
	s, err := NewMLflow(map[string]any{"url": f.srv.URL, "experiment": "energy bench", "token_env": "AIENERGY_TEST_MLFLOW_TOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, r.dir)
	if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, before, snapshot(t, r.dir))

	if f.experiments["energy bench"] != "1" || len(f.runs) != 1 {
		t.Fatalf("experiments %v, %d runs: want the experiment created and one run", f.experiments, len(f.runs))
	}
	if f.calls[0] != "GET /api/2.0/mlflow/experiments/get-by-name" || f.calls[1] != "POST /api/2.0/mlflow/experiments/create" {
		t.Errorf("calls begin %v; want get-by-name, then create on RESOURCE_DOES_NOT_EXIST", f.calls[:2])
	}
	run := f.runs["run1"]
	started, _ := time.Parse(time.RFC3339Nano, r.json["started_at"].(string))
	ended, _ := time.Parse(time.RFC3339Nano, r.json["ended_at"].(string))
	if run.name != "two models" || run.startTime != started.UnixMilli() || run.status != "FINISHED" || run.endTime != ended.UnixMilli() {
		t.Errorf("run name %q start %d status %s end %d", run.name, run.startTime, run.status, run.endTime)
	}
	for k, want := range map[string]string{"backend.type": "vllm", "load.mode": "sequential", "load.concurrency": "1", "carbon.region": "FRA",
		"m1/energy_method": "counter", `org/Llama 3_1_8B _q_ it_s/model`: `org/Llama 3,1=8B "q" it's`, "phases.idle_before_s": "2"} {
		if run.params[k] != want {
			t.Errorf("param %q = %q, want %q", k, run.params[k], want)
		}
	}
	if _, ok := run.params["load.requests"]; ok {
		t.Error("an unset setting (load.requests) was logged as a param")
	}
	for k, want := range map[string]string{"aienergy.run_id": "run-two-models", "mlflow.runName": "two models", "mlflow.source.name": "aienergy"} {
		if run.tags[k] != want {
			t.Errorf("tag %q = %q, want %q", k, run.tags[k], want)
		}
	}

	// Every model figure arrives once, equal to summary.json, stamped with
	// the end of the model's measured phase; missing figures are absent.
	metrics := map[string]mlflowMetric{}
	for _, m := range run.metrics {
		if _, dup := metrics[m.Key]; dup {
			t.Errorf("metric %s logged twice", m.Key)
		}
		metrics[m.Key] = m
	}
	for _, m := range r.models(t) {
		prefix := mlflowKey(m["model"].(string))
		end := started.Add(time.Duration(m["window"].(map[string]any)["end_s"].(float64) * float64(time.Second))).UnixMilli()
		for _, fig := range figures {
			want, ok := r.figure(t, m, fig.name)
			got, logged := metrics[prefix+"/"+fig.name]
			switch {
			case ok != logged:
				t.Errorf("%s/%s logged %v, in summary.json %v", prefix, fig.name, logged, ok)
			case ok && (got.Value != want || got.Timestamp != end || got.Step != 0):
				t.Errorf("%s/%s = %+v, want value %v at %d step 0", prefix, fig.name, got, want, end)
			}
		}
	}
	totals := r.json["totals"].(map[string]any)
	for _, k := range []string{"energy_j", "net_energy_j", "joules_per_output_token", "wh_per_1000_queries", "gco2eq", "completed", "output_tokens"} {
		if got := metrics[k]; got.Value != totals[k].(float64) || got.Timestamp != ended.UnixMilli() {
			t.Errorf("run metric %s = %+v, want %v at %d", k, got, totals[k], ended.UnixMilli())
		}
	}

	// The run directory, file for file, under the run's artifact proxy path.
	entries, _ := os.ReadDir(r.dir)
	if len(f.artifacts) != len(entries) {
		t.Errorf("%d artifacts for %d files", len(f.artifacts), len(entries))
	}
	for _, e := range entries {
		want, _ := os.ReadFile(filepath.Join(r.dir, e.Name()))
		got, ok := f.artifacts["1/run1/artifacts/run-two-models/"+e.Name()]
		if !ok || string(got) != string(want) {
			t.Errorf("artifact %s: uploaded %v, %d bytes of %d", e.Name(), ok, len(got), len(want))
		}
	}

	// A second send finds the experiment and makes a second run.
	if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
		t.Fatal(err)
	}
	if len(f.experiments) != 1 || len(f.runs) != 2 {
		t.Errorf("second send: %d experiments, %d runs", len(f.experiments), len(f.runs))
	}
}

func TestSplitBatches(t *testing.T) {
	var metrics []mlflowMetric
	var params, tags []mlflowKV
	for i := range 2500 {
		metrics = append(metrics, mlflowMetric{Key: fmt.Sprint("m", i), Value: float64(i), Timestamp: 1})
	}
	for i := range 250 {
		params = append(params, mlflowKV{fmt.Sprint("p", i), "v"})
	}
	for i := range 150 {
		tags = append(tags, mlflowKV{fmt.Sprint("t", i), "v"})
	}
	// Greedy, in order: params, then tags, then metrics.
	want := [][3]int{{100, 0, 0}, {100, 0, 0}, {50, 100, 0}, {0, 50, 950}, {0, 0, 1000}, {0, 0, 550}}
	got := splitBatches("r", metrics, params, tags)
	if len(got) != len(want) {
		t.Fatalf("%d batches, want %d", len(got), len(want))
	}
	next := 0
	for i, b := range got {
		if have := [3]int{len(b.Params), len(b.Tags), len(b.Metrics)}; have != want[i] || b.RunID != "r" {
			t.Errorf("batch %d: params, tags, metrics = %v, want %v", i, have, want[i])
		}
		for _, m := range b.Metrics { // order kept, none lost
			if m.Key != fmt.Sprint("m", next) {
				t.Fatalf("batch %d: metric %s, want m%d", i, m.Key, next)
			}
			next++
		}
	}

	// Big tag values: the 1 MB request limit binds before the count does.
	var big []mlflowKV
	for i := range 100 {
		big = append(big, mlflowKV{fmt.Sprint("t", i), strings.Repeat("x", 5000)})
	}
	for _, b := range splitBatches("r", nil, nil, append(big, big...)) {
		if n := len(b.Tags) * 5020; n > 1_000_000 {
			t.Errorf("a batch of %d tags is about %d bytes", len(b.Tags), n)
		}
	}
}

// TestMLflowManyModels sends a run of 40 models (2500 metrics, 150
// params) through the fake server, which rejects any batch over MLflow's
// limits.
func TestMLflowManyModels(t *testing.T) {
	r := finishedRun(t, "run-two-models")
	sum := *r.sum
	sum.Models = nil
	for i := range 40 {
		m := r.sum.Models[i%2]
		m.Model = fmt.Sprintf("model-%02d", i)
		sum.Models = append(sum.Models, m)
	}
	f := newFakeMLflow(t)
	s, err := NewMLflow(map[string]any{"url": f.srv.URL, "artifacts": false})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(testCtx(t), r.dir, &sum, r.raw); err != nil {
		t.Fatal(err)
	}
	run := f.runs["run1"]
	wantMetrics, wantParams, _ := mlflowEntities(&sum)
	if len(run.metrics) != len(wantMetrics) || len(run.params) != len(wantParams) || len(wantMetrics) < 2000 || len(wantParams) < 101 {
		t.Errorf("server holds %d metrics, %d params; sent %d, %d", len(run.metrics), len(run.params), len(wantMetrics), len(wantParams))
	}
	if len(f.batches) < 3 {
		t.Errorf("%d log-batch requests for %d metrics", len(f.batches), len(wantMetrics))
	}
	t.Logf("%d metrics and %d params in %d log-batch requests", len(run.metrics), len(run.params), len(f.batches))
	if run.status != "FINISHED" {
		t.Errorf("status %s", run.status)
	}
}

func TestMLflowErrors(t *testing.T) {
	r := finishedRun(t, "run-two-models")
	t.Setenv("AIENERGY_TEST_MLFLOW_TOKEN", "wrong")
	for _, tc := range []struct {
		name       string
		setup      func(f *fakeMLflow)
		opts       map[string]any
		want       []string
		wantStatus string // of the MLflow run, when one was made
	}{
		{"wrong token", func(f *fakeMLflow) { f.token = "right" }, map[string]any{"token_env": "AIENERGY_TEST_MLFLOW_TOKEN"},
			[]string{"authentication failed (check token_env", "UNAUTHENTICATED"}, ""},
		{"log-batch rejected", func(f *fakeMLflow) { f.failLogBatch = "Invalid value for metric" }, nil,
			[]string{"run run1 (marked FAILED)", "logging batch 1", "HTTP 400 INVALID_PARAMETER_VALUE: Invalid value for metric"}, "FAILED"},
		{"artifacts not proxied", func(f *fakeMLflow) { f.artifactURI = "s3://bucket/1/run1/artifacts" }, nil,
			[]string{`artifact store is "s3://bucket/1/run1/artifacts"`, "--serve-artifacts", "artifacts: false"}, "FAILED"},
		{"not an MLflow server", func(f *fakeMLflow) { f.srv.Config.Handler = nil }, nil, []string{"is url an MLflow tracking server"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeMLflow(t)
			tc.setup(f)
			opts := map[string]any{"url": f.srv.URL}
			for k, v := range tc.opts {
				opts[k] = v
			}
			s, err := NewMLflow(opts)
			if err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, r.dir)
			err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
			sameSnapshot(t, before, snapshot(t, r.dir))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tc.want, s.Name()) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if run := f.runs["run1"]; tc.wantStatus != "" && (run == nil || run.status != tc.wantStatus) {
				t.Errorf("run %+v, want status %s", run, tc.wantStatus)
			}
			t.Log(err)
		})
	}
}
