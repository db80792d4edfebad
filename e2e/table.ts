/**
 * The e2e figures table: one block per scenario with its figures and its checks.
 *
 * @module
 */
import { failures, type ScenarioResult } from "./scenario.ts";

/** Renders results as plain text. */
export function formatResults(results: ScenarioResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const failed = failures(r);
    const verdict = r.skipped ? `SKIPPED (${r.skipped})` : failed.length ? "FAILED" : "passed";
    lines.push(`== ${r.scenario} (${r.mode}, ${r.seconds} s): ${r.title} — ${verdict}`);
    const width = Math.max(0, ...Object.keys(r.figures).map((k) => k.length));
    for (const [k, v] of Object.entries(r.figures)) {
      lines.push(`   ${k.padEnd(width)}  ${v === null ? "-" : String(v)}`);
    }
    for (const c of r.checks) {
      const mark = c.ok ? "ok  " : c.fullOnly && r.mode !== "full" ? "warn" : "FAIL";
      lines.push(
        `   [${mark}] ${c.name}: ${c.detail}${c.fullOnly ? " (asserted in full run)" : ""}`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}
