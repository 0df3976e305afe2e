// Draws report.html's charts with uPlot from the JSON in #report-data.
// It records how many charts and series it drew, and every script error,
// as attributes of the body element (data-charts, data-series, data-errors), which
// the headless-browser test reads back.
(function () {
  "use strict";
  var body = document.body;
  var errors = window.__reportErrors || [];
  function record() { body.setAttribute("data-errors", String(errors.length)); body.setAttribute("data-error-text", errors.join(" | ")); }
  record();

  var PHASE_COLORS = {
    idle_before: "rgba(120,120,120,0.13)",
    warmup: "rgba(255,170,0,0.16)",
    measured: "rgba(40,160,60,0.12)",
    idle_after: "rgba(120,120,120,0.22)"
  };
  var LINE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f"];

  // Shades each phase of each model behind a run-time chart and names the
  // model over its measured phase.
  function phaseBands(phases) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, top, u.bbox.width, h);
          ctx.clip();
          phases.forEach(function (p) {
            var x0 = u.valToPos(p.start, "x", true), x1 = u.valToPos(p.end, "x", true);
            ctx.fillStyle = PHASE_COLORS[p.phase] || "rgba(0,0,255,0.08)";
            ctx.fillRect(x0, top, x1 - x0, h);
            if (p.phase === "measured" && x1 - x0 > 30) {
              ctx.fillStyle = "#333";
              ctx.font = (12 * devicePixelRatio) + "px sans-serif";
              ctx.fillText(p.model, x0 + 4 * devicePixelRatio, top + 14 * devicePixelRatio);
            }
          });
          ctx.restore();
        }]
      }
    };
  }

  function pathFor(step) {
    if (step === 0) return undefined;
    return uPlot.paths.stepped({ align: step });
  }

  function draw(c, width) {
    var el = document.getElementById("chart-" + c.id);
    if (!el) return null;
    if (c.series.length === 0) {
      el.className += " empty";
      el.textContent = c.title + ": no data in this run.";
      return null;
    }
    // Series have their own x values; uPlot.join aligns them, keeping
    // nulls as gaps and spanning the points other series lack.
    var data = uPlot.join(c.series.map(function (s) { return [s.t, s.v]; }));
    var series = [{ label: c.x_label }];
    var hasY2 = false;
    c.series.forEach(function (s, i) {
      if (s.scale === "y2") hasY2 = true;
      series.push({
        label: s.label,
        scale: s.scale,
        stroke: s.scale === "y2" && c.id === "power" ? "rgba(0,0,0,0.55)" : LINE_COLORS[i % LINE_COLORS.length],
        width: 1.5,
        dash: s.scale === "y2" && c.id === "power" ? [4, 3] : undefined,
        paths: pathFor(s.step),
        points: { show: false },
        spanGaps: false
      });
    });
    var axes = [
      { label: c.x_label },
      { label: c.y_label, scale: "y" }
    ];
    if (hasY2) {
      var y2 = { label: c.y2_label, scale: "y2", side: 1, grid: { show: false } };
      if (c.y2_count) y2.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
      axes.push(y2);
    }
    var opts = {
      title: c.title,
      width: width,
      height: c.run_time ? 380 : 260,
      // Drag to zoom on x; double-click to zoom back out.
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: { range: function (u, lo, hi) { return [Math.min(0, lo), hi > 0 ? hi * 1.05 : 1]; } }, y2: { range: function (u, lo, hi) { return [0, hi > 0 ? hi * 1.1 : 1]; } } },
      series: series,
      axes: axes,
      plugins: c.run_time ? [phaseBands(REPORT.phases)] : []
    };
    return new uPlot(opts, data, el);
  }

  var REPORT;
  var drawn = [];
  try {
    REPORT = JSON.parse(document.getElementById("report-data").textContent);
    var width = Math.max(600, Math.min(1300, document.documentElement.clientWidth - 60));
    REPORT.charts.forEach(function (c) {
      var u = draw(c, width);
      if (u) drawn.push(c.id + "=" + (u.series.length - 1));
    });
  } catch (e) {
    errors.push(String(e && e.stack || e));
  }
  body.setAttribute("data-charts", String(drawn.length));
  body.setAttribute("data-series", drawn.join(" "));
  record();
  window.addEventListener("error", function () { setTimeout(record, 0); });
})();
