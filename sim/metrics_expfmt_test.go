// Checks /metrics with Prometheus's own parser, beside the strict
// hand-written one of metrics_test.go.

package sim

import (
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func init() {
	expositionParsers["expfmt"] = parseExpfmt
}

func parseExpfmt(t *testing.T, text string) exposition {
	t.Helper()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("expfmt rejects /metrics: %v\n%s", err, text)
	}
	exp := exposition{}
	for name, f := range families {
		fam := &metricFamily{help: f.GetHelp(), kind: strings.ToLower(f.GetType().String())}
		for _, m := range f.GetMetric() {
			s := promSample{labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			switch f.GetType() {
			case dto.MetricType_GAUGE:
				s.value = m.GetGauge().GetValue()
			case dto.MetricType_COUNTER:
				s.value = m.GetCounter().GetValue()
			default:
				t.Fatalf("family %s has unexpected type %v", name, f.GetType())
			}
			fam.samples = append(fam.samples, s)
		}
		exp[name] = fam
	}
	return exp
}
