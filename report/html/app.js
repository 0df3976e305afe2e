// Draws report.html's charts with uPlot from the JSON in #report-data.
// It records how many charts and series it drew, where the run-time
// charts' plot areas lie, and every script error, as attributes of the
// body element (data-charts, data-series, data-run-axes, data-errors),
// which the headless-browser test reads back.
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

  // Run-time charts share one x axis: their plot areas start and end at
  // the same pixels (fixed axis widths, and a right-hand gutter where a
  // chart has no second axis) and span the same run time, so a moment
  // lies at one x on the power and the throughput chart alike.
  var AXIS_SIZE = 60, AXIS_LABEL = 30, LABEL_STRIP = 20;

  // Shades each phase of each model behind a run-time chart and names the
  // model over its measured phase, in a strip above the plot so that no
  // name lies over a line; a name longer than its phase is shortened.
  function phaseBands(phases) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, dpr = devicePixelRatio;
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, top, u.bbox.width, h);
          ctx.clip();
          phases.forEach(function (p) {
            var x0 = u.valToPos(p.start, "x", true), x1 = u.valToPos(p.end, "x", true);
            ctx.fillStyle = PHASE_COLORS[p.phase] || "rgba(0,0,255,0.08)";
            ctx.fillRect(x0, top, x1 - x0, h);
          });
          ctx.restore();
          ctx.save();
          ctx.fillStyle = "#333";
          ctx.font = (12 * dpr) + "px sans-serif";
          ctx.textBaseline = "bottom";
          phases.forEach(function (p) {
            if (p.phase !== "measured") return;
            var x0 = Math.max(u.valToPos(p.start, "x", true), u.bbox.left);
            var x1 = Math.min(u.valToPos(p.end, "x", true), u.bbox.left + u.bbox.width);
            var room = x1 - x0 - 4 * dpr, text = fit(ctx, p.model, room);
            if (text) ctx.fillText(text, x0 + 2 * dpr, top - 4 * dpr);
          });
          ctx.restore();
        }]
      }
    };
  }

  // fit shortens text with an ellipsis to room pixels; "" when not even
  // two characters fit.
  function fit(ctx, text, room) {
    if (ctx.measureText(text).width <= room) return text;
    for (var n = text.length - 1; n >= 2; n--) {
      var t = text.slice(0, n) + "…";
      if (ctx.measureText(t).width <= room) return t;
    }
    return "";
  }

  // Zooming one run-time chart zooms the others to the same time.
  var runTimeCharts = [], syncing = false;
  function syncX(u, key) {
    if (key !== "x" || syncing) return;
    syncing = true;
    runTimeCharts.forEach(function (o) {
      if (o !== u) o.setScale("x", { min: u.scales.x.min, max: u.scales.x.max });
    });
    syncing = false;
  }

  // spanRun makes the joined data start at 0 and end at the run's end, so
  // that every run-time chart's x axis spans the whole run.
  function spanRun(data, end) {
    var xs = data[0];
    if (xs.length === 0) return data;
    if (xs[0] > 0) data = data.map(function (col, i) { return [i === 0 ? 0 : null].concat(Array.from(col)); });
    if (end > data[0][data[0].length - 1]) data = data.map(function (col, i) { return Array.from(col).concat([i === 0 ? end : null]); });
    return data;
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
    if (c.run_time) {
      data = spanRun(data, REPORT.run_end);
      axes.slice(1).forEach(function (a) { a.size = AXIS_SIZE; a.labelSize = AXIS_LABEL; });
      // [top, right, bottom, left]: the label strip above; where there is
      // no right-hand axis, a gutter as wide as one.
      opts.padding = [LABEL_STRIP, hasY2 ? 8 : 8 + AXIS_SIZE + AXIS_LABEL, 0, 8];
      opts.hooks = { setScale: [syncX] };
    }
    var u = new uPlot(opts, data, el);
    if (c.run_time) runTimeCharts.push(u);
    return u;
  }

  var REPORT;
  var drawn = [];
  try {
    REPORT = JSON.parse(document.getElementById("report-data").textContent);
    // As wide as the page's column, so that no chart is cut off in a
    // narrow window.
    var width = Math.max(280, Math.min(1340, document.body.clientWidth));
    REPORT.charts.forEach(function (c) {
      var u = draw(c, width);
      if (u) drawn.push(c.id + "=" + (u.series.length - 1));
    });
  } catch (e) {
    errors.push(String(e && e.stack || e));
  }
  body.setAttribute("data-charts", String(drawn.length));
  body.setAttribute("data-series", drawn.join(" "));
  // Where each run-time chart's plot area lies and what time it spans,
  // for the test that checks they line up: "left,width,min,max".
  // uPlot sets its scales once the current task is done: read them after.
  setTimeout(function () {
    body.setAttribute("data-run-axes", runTimeCharts.map(function (u) {
      var d = devicePixelRatio, x = u.scales.x;
      return [Math.round(u.bbox.left / d), Math.round(u.bbox.width / d), x.min == null ? "" : +x.min.toFixed(3), x.max == null ? "" : +x.max.toFixed(3)].join(",");
    }).join(" "));
  }, 0);
  record();
  window.addEventListener("error", function () { setTimeout(record, 0); });
})();
