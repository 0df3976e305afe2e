package sink

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// nullSink is the kind "null" registered for these tests, the way a new
// reporter registers itself: one init, nothing else touched. Its Opener
// fails when the context is done, as a kind that connects would.
type nullSink struct{}

func (nullSink) Name() string { return "null" }
func (nullSink) Send(context.Context, string, *report.Summary, *rundir.Raw) error {
	return nil
}

func init() {
	Register("null", func(opts map[string]any) (Opener, error) {
		if err := newOptions("null", opts).done(); err != nil {
			return nil, err
		}
		return func(ctx context.Context) (Sink, error) { return nullSink{}, ctx.Err() }, nil
	})
}

func TestKindsListsEveryRegisteredKind(t *testing.T) {
	got := Kinds()
	for _, want := range []string{"clickhouse", "csv", "influxdb", "json", "mlflow", "null"} {
		if !slices.Contains(got, want) {
			t.Errorf("Kinds() = %v, want %s among them", got, want)
		}
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Errorf("Kinds() = %v, want them sorted, each once", got)
	}
}

func TestRegisterRefusesBadRegistrations(t *testing.T) {
	parse := func(map[string]any) (Opener, error) { return nil, nil }
	for _, tc := range []struct {
		name, kind string
		parse      Parser
	}{
		{"twice", "csv", parse},
		{"no kind", "", parse},
		{"upper case", "CSV2", parse},
		{"no parser", "other", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", tc.kind)
				}
			}()
			Register(tc.kind, tc.parse)
		})
	}
}

func TestCheckRejectsBadOptions(t *testing.T) {
	t.Setenv("AIENERGY_TEST_TOKEN", "tok")
	known := strings.Join(Kinds(), ", ")
	for _, tc := range []struct {
		kind string
		opts map[string]any
		keys []string // the keys of the OptionErrors, in order
		want []string // every fragment must be in the error
	}{
		{"influxdb", map[string]any{}, []string{"url", "database"}, []string{"url: missing", "database: missing"}},
		{"influxdb", map[string]any{"url": "127.0.0.1:8086", "database": "x"}, []string{"url"}, []string{`url: "127.0.0.1:8086" is not an http(s) URL`}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "bucket": "b", "org": "o"}, []string{"database"}, []string{"not both"}},
		{"influxdb", map[string]any{"url": "http://h", "bucket": "b"}, []string{"org"}, []string{"org: missing"}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "token_env": "AIENERGY_TEST_UNSET"}, []string{"token_env"}, []string{"token_env: environment variable AIENERGY_TEST_UNSET is not set"}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "requests": "yes"}, []string{"requests"}, []string{"requests: want true or false"}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "databse": "y"}, []string{"databse"},
			[]string{`reporter influxdb: databse: unknown option for influxdb reporters (did you mean "database"? known: `}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "experiment": "y"}, []string{"experiment"}, []string{"experiment: unknown option", "known: bucket, database,"}},
		{"clickhouse", map[string]any{"url": "http://h", "table": "runs; DROP TABLE x"}, []string{"table"}, []string{"table: \"runs; DROP TABLE x\" is not a plain identifier"}},
		{"clickhouse", map[string]any{"url": "http://h", "table": "t", "requests_table": "t"}, []string{"requests_table"}, []string{"requests_table: must differ"}},
		{"clickhouse", map[string]any{"url": "http://h", "timeout_s": -1}, []string{"timeout_s"}, []string{"timeout_s: want a positive number"}},
		{"mlflow", map[string]any{"url": "http://h", "token_env": "AIENERGY_TEST_TOKEN", "username": "u"}, []string{"token_env"}, []string{"not both"}},
		{"mlflow", map[string]any{"url": "http://h", "experiment": 3}, []string{"experiment"}, []string{"experiment: want a string, got 3 (int)"}},
		{"csv", map[string]any{"output_file": 3}, []string{"output_file"}, []string{"reporter csv: output_file: want a string"}},
		{"json", map[string]any{"output_file": "x.json", "url": "http://h"}, []string{"url"}, []string{"url: unknown option for json reporters (known: output_file)"}},
		{"jsn", map[string]any{}, []string{"type"}, []string{`reporter jsn: type: unknown reporter type "jsn" (valid: ` + known + `; did you mean "json"?)`}},
		{"prometheus", map[string]any{}, []string{"type"}, []string{`unknown reporter type "prometheus" (valid: ` + known + ")"}},
		{"", map[string]any{}, []string{"type"}, []string{"reporter: type: required (valid: " + known + ")"}},
	} {
		err := Check(tc.kind, tc.opts)
		if err == nil {
			t.Errorf("%s %v: no error", tc.kind, tc.opts)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: error %q lacks %q", tc.kind, tc.opts, err, w)
			}
		}
		if got := optionKeys(err); !slices.Equal(got, tc.keys) {
			t.Errorf("%s %v: errors about keys %q, want %q", tc.kind, tc.opts, got, tc.keys)
		}
		if s, err := Open(context.Background(), tc.kind, tc.opts); s != nil || err == nil {
			t.Errorf("%s %v: Open = %v, %v; want the error Check gives", tc.kind, tc.opts, s, err)
		}
	}
}

// optionKeys lists the keys of the OptionErrors in err, a joined error.
func optionKeys(err error) []string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var keys []string
	for _, e := range errs {
		var oe *OptionError
		if errors.As(e, &oe) {
			keys = append(keys, oe.Key)
		}
	}
	return keys
}

func TestOpenAcceptsGoodOptions(t *testing.T) {
	t.Setenv("AIENERGY_TEST_TOKEN", "tok")
	for _, tc := range []struct {
		kind, name string
		opts       map[string]any
	}{
		{"influxdb", "influxdb http://h:8086 (database energy)", map[string]any{"type": "influxdb", "url": "http://h:8086/", "database": "energy", "requests": true, "timeout_s": 2.5}},
		{"INFLUXDB", "influxdb http://h:8086 (org o, bucket b)", map[string]any{"url": "http://h:8086", "org": "o", "bucket": "b", "token_env": "AIENERGY_TEST_TOKEN"}},
		// output_file belongs to the file reporters; the others let it be.
		{"clickhouse", "clickhouse http://h:8123 (default.aienergy_runs)", map[string]any{"url": "http://h:8123", "output_file": "x.csv"}},
		{"mlflow", "mlflow https://mlflow.example (experiment aienergy)", map[string]any{"url": "https://mlflow.example", "token_env": "AIENERGY_TEST_TOKEN", "timeout_s": 10}},
		{"csv", "csv out/all.csv", map[string]any{"type": "csv", "output_file": "out/all.csv"}},
		{"json", "json s.json", map[string]any{"output_file": "s.json"}},
		{"null", "null", nil},
	} {
		if err := Check(tc.kind, tc.opts); err != nil {
			t.Errorf("Check %s: %v", tc.name, err)
		}
		s, err := Open(context.Background(), tc.kind, tc.opts)
		if err != nil {
			t.Errorf("Open %s: %v", tc.name, err)
			continue
		}
		if s.Name() != tc.name {
			t.Errorf("Name() = %q, want %q", s.Name(), tc.name)
		}
	}
}

// A file reporter without an output_file has nothing to send: the run
// directory holds its file already.
func TestFileReporterWithoutOutputFileSendsNothing(t *testing.T) {
	for _, kind := range []string{"csv", "json"} {
		s, err := Open(context.Background(), kind, map[string]any{"type": kind})
		if s != nil || err != nil {
			t.Errorf("%s without output_file: Open = %v, %v; want nil, nil", kind, s, err)
		}
	}
}

// Open does its I/O under the caller's context.
func TestOpenPassesTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, "null", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a cancelled context: %v, want context.Canceled", err)
	}
	if err := Check("null", nil); err != nil {
		t.Errorf("Check opens nothing, so needs no context: %v", err)
	}
}
