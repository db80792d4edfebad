/**
 * Writes a comparison report to a directory: `index.html` (self-contained), `summary.json`
 * (everything the page shows) and one `seconds_<label>.csv` per run (full resolution).
 *
 * @module
 */
import { renderReport } from "./html.ts";
import { downsample, type ReportInput, type ReportRun } from "./model.ts";

/** Most points per chart series; longer runs are averaged into wider steps. */
export const MAX_CHART_POINTS = 1500;

/** Reads Chart.js's UMD build from the installed package (it is inlined into the page). */
export async function chartJsSource(): Promise<string> {
  const entry = import.meta.resolve("chart.js");
  return await Deno.readTextFile(new URL("./chart.umd.min.js", entry));
}

/** A file-name-safe form of a run label. */
export function slug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "run";
}

/** The per-interval CSV of one run. */
export function seriesCsv(run: ReportRun, stepSeconds: number): string {
  const s = run.series;
  const lines = ["t,offered,served,failed,rejected,replicas,desired,p95_ms"];
  for (let i = 0; i < s.offered.length; i++) {
    const p95 = s.p95[i];
    lines.push(
      [
        i * stepSeconds,
        s.offered[i],
        s.served[i],
        s.failed[i],
        s.rejected[i],
        s.replicas[i],
        s.desired[i],
        p95 === null || !Number.isFinite(p95) ? "" : (p95 * 1000).toFixed(2),
      ].join(","),
    );
  }
  return lines.join("\n") + "\n";
}

/** Writes the report; returns the path of `index.html`. */
export async function writeReport(dir: string, input: ReportInput): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const shown = downsample(input, MAX_CHART_POINTS);
  await Deno.writeTextFile(`${dir}/index.html`, renderReport(shown, await chartJsSource()));
  await Deno.writeTextFile(`${dir}/summary.json`, JSON.stringify(shown, null, 1) + "\n");
  const used = new Set<string>();
  for (const run of input.runs) {
    let name = slug(run.label);
    while (used.has(name)) name += "-2";
    used.add(name);
    await Deno.writeTextFile(`${dir}/seconds_${name}.csv`, seriesCsv(run, input.stepSeconds));
  }
  return `${dir}/index.html`;
}
