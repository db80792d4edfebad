/**
 * The browser-side script of the report page, as text: it reads the embedded JSON and draws the
 * charts with Chart.js (inlined in the page, so nothing is fetched). Kept as plain ES2017 so
 * every browser runs it; `window.__charts` lists the charts for tests.
 *
 * @module
 */

/** The script; expects `Chart` (Chart.js UMD) and `<script id="report-data">` on the page. */
export const PAGE_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#e15759", "#76b7b2", "#edc948"];
  var colorOf = {};
  data.runs.forEach(function (run, i) { colorOf[run.label] = palette[i % palette.length]; });
  var step = data.stepSeconds;
  var x = function (i) { return i * step; };
  var points = function (values, scale) {
    return values.map(function (v, i) { return { x: x(i), y: v === null ? null : v * (scale || 1) }; });
  };
  var timeAxis = { type: "linear", title: { display: true, text: "time (s)" } };
  var base = function (yTitle) {
    return {
      animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
      scales: { x: timeAxis, y: { beginAtZero: true, title: { display: true, text: yTitle } } },
      plugins: { legend: { position: "bottom" } }
    };
  };
  var charts = [];
  var line = function (id, datasets, yTitle, extra) {
    var options = base(yTitle);
    if (extra) extra(options);
    charts.push(new Chart(document.getElementById(id), { type: "line", data: { datasets: datasets }, options: options }));
  };

  var load = [{ label: "offered", data: points(data.runs[0].series.offered), borderColor: "#222", borderDash: [4, 3] }];
  data.runs.forEach(function (run) {
    load.push({ label: run.label + " served", data: points(run.series.served), borderColor: colorOf[run.label] });
  });
  line("chart-load", load, "requests / s");

  var replicas = data.runs.map(function (run) {
    return { label: run.label, data: points(run.series.replicas), borderColor: colorOf[run.label], stepped: true };
  });
  if (data.oracle) {
    replicas.push({ label: "oracle", data: points(data.oracle.replicas), borderColor: "#000", borderDash: [6, 4], stepped: true });
  }
  line("chart-replicas", replicas, "replicas");

  var latency = data.runs.map(function (run) {
    return { label: run.label, data: points(run.series.p95, 1000), borderColor: colorOf[run.label], spanGaps: false };
  });
  var n = data.runs[0].series.p95.length;
  latency.push({ label: "SLO", data: [{ x: 0, y: data.sloSeconds * 1000 }, { x: x(Math.max(1, n - 1)), y: data.sloSeconds * 1000 }], borderColor: "#e15759", borderDash: [8, 4], borderWidth: 2 });
  line("chart-latency", latency, "p95 latency (ms)", function (o) { o.scales.y.type = "logarithmic"; o.scales.y.beginAtZero = false; });

  var errors = data.runs.map(function (run) {
    var lost = run.series.failed.map(function (f, i) { return f + run.series.rejected[i]; });
    return { label: run.label, data: points(lost), borderColor: colorOf[run.label] };
  });
  line("chart-errors", errors, "requests / s");

  if (data.sweep && document.getElementById("chart-sweep")) {
    // Violations from 0 to a cap near the SLO budget: points above it sit on the cap as
    // triangles, their tooltips give the true value; cost from 0.
    var budget = data.violationBudgetPercent;
    var highest = Math.max.apply(null, data.sweep.points.map(function (p) { return p.violationsPercent; }));
    var cap = Math.ceil(Math.min(3 * budget, Math.max(highest * 1.1, budget * 1.2)));
    var at = function (p) { return { x: p.replicaSeconds, y: Math.min(p.violationsPercent, cap), v: p.violationsPercent }; };
    var clipped = function (ctx) { return ctx.raw && ctx.raw.v > cap ? "triangle" : "circle"; };
    var sets = [];
    Object.keys(data.sweep.frontiers).forEach(function (policy, i) {
      var color = palette[i % palette.length];
      data.runs.forEach(function (run) { if (run.policy === policy) color = colorOf[run.label]; });
      var all = data.sweep.points.filter(function (p) { return p.policy === policy; });
      sets.push({ type: "scatter", label: policy, data: all.map(at), backgroundColor: color, borderColor: color, pointRadius: 4, pointStyle: clipped });
      var front = data.sweep.frontiers[policy].slice().sort(function (a, b) { return a.replicaSeconds - b.replicaSeconds; });
      sets.push({ type: "line", label: policy + " frontier", data: front.map(at), borderColor: color, pointRadius: 0, stepped: "after" });
    });
    var oracle = data.sweep.points.filter(function (p) { return p.policy === "oracle"; });
    if (oracle.length) {
      sets.push({ type: "scatter", label: "oracle", data: oracle.map(at), backgroundColor: "#000", pointStyle: "star", pointRadius: 9 });
    }
    var costs = data.sweep.points.map(function (p) { return p.replicaSeconds; });
    var maxCost = Math.max.apply(null, costs);
    sets.push({ type: "line", label: budget + "% budget", data: [{ x: 0, y: budget }, { x: maxCost, y: budget }], borderColor: "#e15759", borderDash: [8, 4], borderWidth: 1.5, pointRadius: 0 });
    var opts = base("SLO violations (%)");
    opts.interaction = { mode: "nearest", intersect: true };
    opts.scales.x = { type: "linear", min: 0, grace: "5%", title: { display: true, text: "cost (replica-seconds)" } };
    opts.scales.y = { type: "linear", min: 0, max: cap, title: { display: true, text: "SLO violations (%), clipped at " + cap + "%" } };
    opts.elements.point.radius = 4;
    opts.plugins.tooltip = { callbacks: { label: function (ctx) {
      var r = ctx.raw;
      return ctx.dataset.label + ": " + (r.v === undefined ? r.y : r.v).toFixed(2) + "% violations, " + Math.round(r.x) + " replica-s";
    } } };
    charts.push(new Chart(document.getElementById("chart-sweep"), { type: "scatter", data: { datasets: sets }, options: opts }));
  }
  window.__charts = charts;
})();
`;
