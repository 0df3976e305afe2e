package deploy_test

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/live"
)

// The dashboard's model, as far as these tests read it.
type dashboard struct {
	UID        string  `json:"uid"`
	Title      string  `json:"title"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource dsRef  `json:"datasource"`
	GridPos    struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Targets []target `json:"targets"`
}

type target struct {
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
	RefID        string `json:"refId"`
	Instant      bool   `json:"instant"`
	Datasource   dsRef  `json:"datasource"`
}

type dsRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile("grafana/aienergy-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("aienergy-dashboard.json: %v", err)
	}
	return d
}

// liveMetrics are the names the live endpoint serves (package live).
var liveMetrics = []string{
	live.MetricPower, live.MetricEnergy, live.MetricPhase, live.MetricRequests,
	live.MetricOutputTokens, live.MetricInputTokens, live.MetricInFlight, live.MetricRun,
}

var (
	metricName  = regexp.MustCompile(`\baienergy_[a-z_]+`)
	variableRef = regexp.MustCompile(`\$\{?(\w+)`)
)

// TestDashboardStructure checks what Grafana would show broken: unknown
// metric names, undefined variables, a panel bound to no data source,
// panels on top of each other.
func TestDashboardStructure(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard without uid, title or panels: %+v", d)
	}
	vars := map[string]bool{"__rate_interval": true, "__range": true, "__interval": true}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	if !vars["datasource"] {
		t.Error("no datasource variable: the dashboard would only work with one data source uid")
	}
	used := map[string]bool{}
	ids := map[int]bool{}
	for i, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: data source %+v, want ${datasource}", p.Title, p.Datasource)
		}
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, g)
		}
		for _, q := range d.Panels[:i] {
			h := q.GridPos
			if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
				t.Errorf("panels %q and %q overlap", q.Title, p.Title)
			}
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if q.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q %s: data source %+v, want ${datasource}", p.Title, q.RefID, q.Datasource)
			}
			for _, m := range variableRef.FindAllStringSubmatch(q.Expr, -1) {
				if !vars[m[1]] {
					t.Errorf("panel %q: $%s is not a dashboard variable", p.Title, m[1])
				}
			}
			for _, name := range metricName.FindAllString(q.Expr, -1) {
				if !slices.Contains(liveMetrics, name) {
					t.Errorf("panel %q queries %s, which the live endpoint does not serve", p.Title, name)
				}
				used[name] = true
			}
		}
	}
	for _, v := range d.Templating.List {
		if q, ok := v.Query.(map[string]any); ok {
			for _, name := range metricName.FindAllString(q["query"].(string), -1) {
				if !slices.Contains(liveMetrics, name) {
					t.Errorf("variable %s queries %s, which the live endpoint does not serve", v.Name, name)
				}
			}
		}
	}
	for _, m := range liveMetrics {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

// legendLabels returns the labels a legend format names: {{model}} → model.
func legendLabels(format string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\{\{\s*(\w+)\s*\}\}`).FindAllStringSubmatch(format, -1) {
		out = append(out, m[1])
	}
	return out
}

// grafanaMacros replaces the dashboard's variables with what Grafana would
// send for "All" over a 10-minute range.
func grafanaMacros(expr string) string {
	return strings.NewReplacer(
		"$__rate_interval", "1m",
		"$__range", "10m",
		"$instance", ".*",
		"$model", ".*",
	).Replace(expr)
}
