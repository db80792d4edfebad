/**
 * Renders a comparison as one self-contained HTML page: summary table with the best value per
 * column highlighted, charts of offered vs served load, replicas per policy against the oracle,
 * p95 per policy against the SLO line, and (after a sweep) SLO violations against cost with each
 * policy's frontier and the oracle's point. Chart.js is inlined; the page fetches nothing.
 *
 * @module
 */
import { dominanceText } from "./sentences.ts";
import type { ReportInput } from "./model.ts";
import { PAGE_SCRIPT } from "./page_script.ts";
import { COLUMNS, tableCells, VIOLATION_BUDGET_PERCENT } from "./table.ts";

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))
    .replace(/</g, "\\u003c");
}

function table(input: ReportInput): string {
  const rows: {
    label: string;
    summary: ReportInput["runs"][number]["summary"];
    reference?: boolean;
  }[] = input.runs
    .map((r) => ({ label: r.label, summary: r.summary }));
  if (input.oracle?.summary) {
    rows.push({ label: "oracle (cost floor)", summary: input.oracle.summary, reference: true });
  }
  const cells = tableCells(rows);
  const head = COLUMNS.map((c) => `<th title="${escapeHtml(c.help)}">${escapeHtml(c.title)}</th>`)
    .join("");
  const body = rows.map((row, i) =>
    `<tr${row.reference ? ' class="reference"' : ""}><th scope="row">${escapeHtml(row.label)}</th>${
      cells[i].map((c) => `<td${c.best ? ' class="best"' : ""}>${escapeHtml(c.text)}</td>`).join("")
    }</tr>`
  ).join("\n");
  return `<table id="summary"><thead><tr><th>policy</th>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function sweepSection(input: ReportInput): string {
  if (!input.sweep) return "";
  const sweep = input.sweep;
  const verdicts = Object.entries(sweep.dominance).flatMap(([other, d]) =>
    dominanceText("cpa", other, d, sweep.knobs[other])
  ).map((line) => `<li>${escapeHtml(line)}</li>`).join("");
  const knobs = Object.entries(input.sweep.knobs).map(([p, k]) =>
    `${escapeHtml(p)}: ${escapeHtml(k)}`
  ).join(", ");
  return `<section class="card wide"><h2>Violations against cost</h2>
<p class="hint">Each point is one run at one setting of the policy's main knob (${knobs}); lines are the
Pareto frontiers (the cheapest setting for each violation level), the star is the oracle.
Down and left is better.</p>
<div class="chart tall"><canvas id="chart-sweep"></canvas></div><ul class="verdicts">${verdicts}</ul></section>`;
}

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; background: #f5f6f8; }
body { margin: 0 auto; max-width: 1280px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 1.6rem; }
.meta { color: #555; margin: 0 0 20px; }
.card { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); padding: 16px 20px; margin-bottom: 18px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(560px, 100%), 1fr)); gap: 18px; }
@media (max-width: 600px) { body { padding: 10px; } .card { padding: 12px; } .chart.tall { height: 360px; } }
.grid .card { margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 8px; }
.hint { color: #666; font-size: .9rem; margin: 0 0 8px; }
.chart { position: relative; height: 300px; }
.chart.tall { height: 420px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: .92rem; }
th, td { padding: 6px 8px; text-align: right; border-bottom: 1px solid #eceef1; white-space: nowrap; }
thead th { color: #555; font-weight: 600; cursor: help; white-space: normal; vertical-align: bottom; }
tbody th, thead th:first-child { text-align: left; }
td.best { background: #e3f4e1; font-weight: 700; color: #1e6b1a; }
tr.reference { color: #777; font-style: italic; }
.scroll { overflow-x: auto; }
ul.verdicts, ul.notes { margin: 8px 0 0; padding-left: 20px; }
`;

/** The full HTML page for `input`; `chartJs` is Chart.js's UMD build, inlined. */
export function renderReport(input: ReportInput, chartJs: string): string {
  const mode = input.mode === "live" ? "live on this machine" : "simulated";
  const notes = input.notes?.length
    ? `<section class="card"><h2>Findings</h2><ul class="notes">${
      input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")
    }</ul></section>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p class="meta">Scenario <strong>${escapeHtml(input.scenario)}</strong>, ${mode}; SLO p95 ≤ ${
    Math.round(input.sloSeconds * 1000)
  } ms; seed ${input.seed}; ${
    escapeHtml(input.createdAt)
  }. Best value per column in green; cost columns
compare only runs within the SLO's ${VIOLATION_BUDGET_PERCENT}% violation budget.</p>
<section class="card"><h2>Summary</h2><div class="scroll">${table(input)}</div></section>
${notes}
<div class="grid">
<section class="card"><h2>Offered and served load</h2><div class="chart"><canvas id="chart-load"></canvas></div></section>
<section class="card"><h2>Replicas over time</h2><p class="hint">Dashed: the oracle, fewest replicas that keep the SLO.</p><div class="chart"><canvas id="chart-replicas"></canvas></div></section>
<section class="card"><h2>p95 latency against the SLO</h2><div class="chart"><canvas id="chart-latency"></canvas></div></section>
<section class="card"><h2>Failed and rejected requests</h2><p class="hint">Per second: deadline misses, errors and 429s.</p><div class="chart"><canvas id="chart-errors"></canvas></div></section>
</div>
${sweepSection(input)}
<script id="report-data" type="application/json">${
    scriptJson({ ...input, violationBudgetPercent: VIOLATION_BUDGET_PERCENT })
  }</script>
<script>${chartJs.replace(/<\/script/gi, "<\\/script")}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
