package html

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// ArtifactsEnv names a directory where the browser test keeps its
// screenshots (CI uploads it); without it they go to a temporary directory.
const ArtifactsEnv = "AIENERGY_ARTIFACTS_DIR"

var bodyRE = regexp.MustCompile(`<body ([^>]*)>`)
var attrRE = regexp.MustCompile(`(data-[a-z-]+)="([^"]*)"`)
var headlineRE = regexp.MustCompile(`(?s)<table id="headline-table">.*?</table>`)

// TestChromium opens the report in a real headless Chromium: the page
// must run its script without an error or console message, draw every
// chart with the series the data has, and render; the screenshot is kept.
func TestChromium(t *testing.T) {
	bin := testenv.Binary(t, "chromium", "chromium")
	fromDir := func(dir string) func(*testing.T) (*report.Summary, *rundir.Raw) {
		return func(t *testing.T) (*report.Summary, *rundir.Raw) {
			_, s, raw := fixture(t, dir)
			return s, raw
		}
	}
	for _, tc := range []struct {
		name       string
		load       func(*testing.T) (*report.Summary, *rundir.Raw)
		wantSeries string
	}{
		// power: each channel and requests in flight; one line per model
		// on each latency chart; requests/s and tokens/s.
		{"constant", fromDir("../testdata/run-constant"), "power=2 ttft=1 itl=1 e2e=1 throughput=2"},
		{"two-models", fromDir("testdata/run-two-models"), "power=4 ttft=2 itl=2 e2e=2 throughput=2"},
		{"four-hours", func(t *testing.T) (*report.Summary, *rundir.Raw) { return longRun(t, 4) }, "power=5 ttft=1 itl=1 e2e=1 throughput=2"},
		// No requests (as under aienergy measure): only the power chart
		// has data, and the others are left out.
		{"no-requests", func(t *testing.T) (*report.Summary, *rundir.Raw) {
			_, s, raw := fixture(t, "../testdata/run-constant")
			raw.Requests = nil
			return s, raw
		}, "power=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, raw := tc.load(t)
			tmp := t.TempDir()
			page := filepath.Join(tmp, File)
			data, err := Render(s, raw)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(page, data, 0o644); err != nil {
				t.Fatal(err)
			}
			url := "file://" + page

			dom, logs := chromium(t, bin, tmp, "--dump-dom", url)
			m := bodyRE.FindStringSubmatch(dom)
			if m == nil {
				t.Fatalf("no body element in the rendered page:\n%.2000s\n%s", dom, logs)
			}
			attrs := map[string]string{}
			for _, a := range attrRE.FindAllStringSubmatch(m[1], -1) {
				attrs[a[1]] = a[2]
			}
			if attrs["data-errors"] != "0" {
				t.Errorf("script errors: %q %q", attrs["data-errors"], attrs["data-error-text"])
			}
			charts := len(strings.Fields(tc.wantSeries))
			if attrs["data-charts"] != fmt.Sprint(charts) || attrs["data-series"] != tc.wantSeries {
				t.Errorf("drew %q charts with %q, want %d with %q", attrs["data-charts"], attrs["data-series"], charts, tc.wantSeries)
			}
			if n := strings.Count(dom, "<canvas"); n != charts {
				t.Errorf("%d canvases in the page, want %d", n, charts)
			}
			// A chart without data is left out of the page, not drawn
			// empty: its section is there only when some chart has data.
			if n := strings.Count(dom, `class="chart`); n != charts {
				t.Errorf("%d chart elements in the page, want %d (only those with data)", n, charts)
			}
			if got, want := strings.Contains(dom, `id="latency"`), strings.Contains(tc.wantSeries, "e2e="); got != want {
				t.Errorf("latency section shown: %v, want %v", got, want)
			}
			// Every energy the browser shows in the headline carries its
			// uncertainty.
			h := strings.NewReplacer("&nbsp;", " ", nbsp, " ").Replace(headlineRE.FindString(dom))
			if strings.Count(h, " ± ") < 2 {
				t.Errorf("headline without the energy's uncertainty (±): %.1500s", h)
			}
			for _, l := range strings.Split(logs, "\n") {
				if strings.Contains(l, ":CONSOLE") {
					t.Errorf("console message: %s", l)
				}
			}

			shot := filepath.Join(tmp, "report.png")
			_, logs = chromium(t, bin, tmp, "--screenshot="+shot, "--window-size=1400,2000", "--hide-scrollbars", url)
			img := readPNG(t, shot, logs)
			if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 2000 {
				t.Errorf("screenshot is %v, want 1400×2000", b)
			}
			// The first power line is drawn in #1f77b4: it must be on the
			// screenshot, or the chart did not draw.
			if n := countColor(img, 0x1f, 0x77, 0xb4); n < 100 {
				t.Errorf("%d pixels of the first line's colour on the screenshot, want a drawn line", n)
			}
			keep(t, tc.name, shot, page)
		})
	}
}

// chromium runs one headless Chromium command against its own profile
// directory and returns stdout and the log.
func chromium(t *testing.T, bin, tmp string, args ...string) (stdout, logs string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--user-data-dir=" + filepath.Join(tmp, "profile"),
		"--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

func readPNG(t *testing.T, path, logs string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, logs)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
}

func countColor(img image.Image, r, g, b uint8) int {
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if uint8(pr>>8) == r && uint8(pg>>8) == g && uint8(pb>>8) == b {
				n++
			}
		}
	}
	return n
}

// keep copies the screenshot and the page to $AIENERGY_ARTIFACTS_DIR, or
// leaves them in the test's temporary directory, and logs where.
func keep(t *testing.T, name, shot, page string) {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		t.Logf("screenshot: %s", shot)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{shot: "report-html-" + name + ".png", page: "report-html-" + name + ".html"} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s", filepath.Join(dir, "report-html-"+name+".png"))
}

// collect holds raw's requests in memory, as a slice raw then reads:
// tests change records in place.
func collect(t *testing.T, raw *rundir.Raw) []trace.Request {
	t.Helper()
	reqs, err := trace.Collect(raw.Requests)
	if err != nil {
		t.Fatal(err)
	}
	raw.Requests = trace.Slice(reqs)
	return reqs
}
