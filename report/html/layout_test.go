package html

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/compare"
	"github.com/aienergy/aienergy/internal/testenv"
)

// layoutProbe runs in the page after its charts are drawn and records, as
// attributes of the body element, what a reader would find cut off:
//
//	data-page-overflow  how far the page is wider than the window (px)
//	data-inner-width    the window's width, to check the test's own setup
//	data-canvases       the charts' canvases, "w×h" each
//	data-outside        elements that reach past the window's right edge
//	                    and are not inside a box that scrolls them
//	data-clipped-boxes  scroll boxes whose content is wider than the box
//	data-req-charts     the energy-per-request scatters, "left,top,w,h" each
//
// It waits for app.js's own deferred work (data-run-axes) first.
const layoutProbe = `<script>
setTimeout(function () {
  var b = document.body, W = window.innerWidth;
  b.setAttribute("data-inner-width", String(W));
  b.setAttribute("data-page-overflow", String(document.documentElement.scrollWidth - W));
  b.setAttribute("data-canvases", Array.prototype.map.call(document.querySelectorAll("canvas"), function (c) {
    var r = c.getBoundingClientRect(); return Math.round(r.width) + "x" + Math.round(r.height);
  }).join(" "));
  var outside = [];
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest(".scroll") || el.closest("details:not([open])")) return;
    var r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > W + 1) outside.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "@" + Math.round(r.right));
  });
  b.setAttribute("data-outside", outside.slice(0, 10).join(" "));
  var clipped = [];
  document.querySelectorAll(".scroll").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth + 1) {
      var t = el.querySelector("table");
      clipped.push((t && (t.id || t.className)) || "box");
    }
  });
  b.setAttribute("data-clipped-boxes", clipped.join(" "));
  b.setAttribute("data-req-charts", Array.prototype.map.call(document.querySelectorAll("svg.req-scatter"), function (c) {
    var r = c.getBoundingClientRect(); return [r.left, r.top, r.width, r.height].map(Math.round).join(",");
  }).join(" "));
  b.setAttribute("data-probed", "1");
}, 50);
</script>`

// TestChromiumLayout opens every kind of report — a plain run, two
// models, a sweep with SLOs, repetitions, a measured command, a rate
// sweep, 6000 requests (their energy scatters drawn picked evenly), and
// the compare page — in headless Chromium at 1400 and 800 px and checks
// that nothing is cut off: the page never scrolls sideways, nothing
// reaches past the window except inside a box that scrolls it, every
// chart canvas has a size, and at 1400 px no table needs its scroll box.
// A run report's energy-per-request scatters have a size too, a model's
// two side by side at 1400 px and one above the other at 800. The
// screenshots are kept (see keep).
func TestChromiumLayout(t *testing.T) {
	bin := testenv.Binary(t, "chromium", "chromium")
	pages := map[string]func(*testing.T) []byte{
		"plain":       reportPage("../testdata/run-constant"),
		"two-models":  reportPage("testdata/run-two-models"),
		"sweep-slo":   reportPage("testdata/run-sweep-slo"),
		"repetitions": reportPage("testdata/run-repetitions"),
		"measure":     reportPage("testdata/run-measure"),
		"rate-sweep":  reportPage("testdata/run-rate-sweep"),
		"many":        manyRequestsPage,
		"compare":     comparePage,
	}
	// Pages without energy per request: no request was sent, or not a
	// run's report.
	noRequestEnergy := map[string]bool{"measure": true, "compare": true}
	for _, name := range []string{"plain", "two-models", "sweep-slo", "repetitions", "measure", "rate-sweep", "many", "compare"} {
		for _, width := range []int{1400, 800} {
			t.Run(fmt.Sprintf("%s-%d", name, width), func(t *testing.T) {
				page := pages[name](t)
				page = bytes.Replace(page, []byte("</body>"), []byte(layoutProbe+"\n</body>"), 1)
				tmp := t.TempDir()
				path := filepath.Join(tmp, "page.html")
				if err := os.WriteFile(path, page, 0o644); err != nil {
					t.Fatal(err)
				}
				size := fmt.Sprintf("--window-size=%d,2000", width)
				dom, logs := chromium(t, bin, tmp, size, "--hide-scrollbars", "--dump-dom", "file://"+path)
				attrs := bodyAttrs(t, dom, logs)
				if attrs["data-probed"] != "1" {
					t.Fatalf("the layout probe did not run: %v\n%s", attrs, logs)
				}
				if attrs["data-inner-width"] != strconv.Itoa(width) {
					t.Fatalf("window %s px wide, want %d", attrs["data-inner-width"], width)
				}
				if attrs["data-errors"] != "" && attrs["data-errors"] != "0" {
					t.Errorf("script errors: %s", attrs["data-error-text"])
				}
				if o := attrs["data-page-overflow"]; o != "0" && !strings.HasPrefix(o, "-") {
					t.Errorf("the page is %s px wider than the window", o)
				}
				if o := attrs["data-outside"]; o != "" {
					t.Errorf("cut off at the right edge: %s", o)
				}
				for _, c := range strings.Fields(attrs["data-canvases"]) {
					if strings.HasPrefix(c, "0x") || strings.HasSuffix(c, "x0") {
						t.Errorf("a chart canvas has no size: %s", attrs["data-canvases"])
					}
				}
				if c := attrs["data-clipped-boxes"]; width >= 1400 && c != "" {
					t.Errorf("at %d px these tables need scrolling: %s", width, c)
				}
				checkRequestCharts(t, attrs["data-req-charts"], width, !noRequestEnergy[name])
				// Every chart of a run report lines up on one time axis.
				if axes := strings.Fields(attrs["data-run-axes"]); len(axes) > 1 {
					for _, a := range axes[1:] {
						if a != axes[0] {
							t.Errorf("run-time charts do not line up (left,width,min,max): %v", axes)
						}
					}
				}
				for _, l := range strings.Split(logs, "\n") {
					if strings.Contains(l, ":CONSOLE") {
						t.Errorf("console message: %s", l)
					}
				}
				shot := filepath.Join(tmp, "page.png")
				_, logs = chromium(t, bin, tmp, size, "--hide-scrollbars", "--screenshot="+shot, "file://"+path)
				img := readPNG(t, shot, logs)
				if b := img.Bounds(); b.Dx() != width {
					t.Errorf("screenshot %d px wide, want %d", b.Dx(), width)
				}
				keep(t, fmt.Sprintf("layout-%s-%d", name, width), shot, path)
			})
		}
	}
}

// checkRequestCharts checks the energy-per-request scatters ("left,top,w,h"
// each, a model's two in turn): there when want, each with a size, and a
// model's two side by side at 1400 px, one above the other at 800.
func checkRequestCharts(t *testing.T, charts string, width int, want bool) {
	t.Helper()
	var boxes [][4]int
	for _, c := range strings.Fields(charts) {
		var b [4]int
		if _, err := fmt.Sscanf(c, "%d,%d,%d,%d", &b[0], &b[1], &b[2], &b[3]); err != nil {
			t.Fatalf("energy-per-request chart %q: %v", c, err)
		}
		boxes = append(boxes, b)
	}
	if got := len(boxes) > 0; got != want || len(boxes)%2 != 0 {
		t.Fatalf("energy-per-request scatters: %q, want them: %v (two per model)", charts, want)
	}
	for i := 0; i < len(boxes); i += 2 {
		a, b := boxes[i], boxes[i+1]
		if a[2] == 0 || a[3] == 0 || b[2] == 0 || b[3] == 0 {
			t.Errorf("an energy-per-request scatter has no size: %s", charts)
		}
		if sideBySide := a[1] == b[1] && b[0] >= a[0]+a[2]; sideBySide != (width >= 1400) {
			t.Errorf("at %d px a model's two scatters are side by side: %v (%v, %v)", width, sideBySide, a, b)
		}
	}
}

func reportPage(dir string) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		_, s, raw := fixture(t, dir)
		b, err := Render(s, raw)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func comparePage(t *testing.T) []byte {
	runs, err := compare.Load("../../compare/testdata/runs")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := compare.Compare(runs, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := lb.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bodyAttrs reads the data- attributes of the rendered page's body.
func bodyAttrs(t *testing.T, dom, logs string) map[string]string {
	t.Helper()
	m := bodyRE.FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("no body element in the rendered page:\n%.2000s\n%s", dom, logs)
	}
	attrs := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(m[1], -1) {
		attrs[a[1]] = a[2]
	}
	return attrs
}
