/// <reference lib="dom" />
/**
 * The report page in a real headless Chromium (Debian's): it renders its charts with no console
 * errors, fetches nothing, and shows the table with the best values marked.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { writeReport } from "../lib/report/mod.ts";
import { reportFixture } from "../lib/testing/report_fixture.ts";
import { CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from "./support/chromium.ts";

Deno.test({
  name: "report renders in Chromium",
  ignore: skipWithoutChromium,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const page = await writeReport(dir, reportFixture());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const tab = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      tab.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      tab.on("pageerror", (e) => problems.push(String(e)));
      tab.on("request", (r) => requests.push(r.url()));
      await tab.goto(`file://${page}`);
      await tab.waitForFunction(() =>
        Array.isArray((globalThis as { __charts?: unknown[] }).__charts)
      );

      await t.step("no console errors and no network requests", () => {
        assert.deepEqual(problems, []);
        assert.deepEqual(requests.filter((u) => !u.startsWith("file://")), []);
      });
      await t.step("five charts with data drawn on their canvases", async () => {
        const charts = await tab.evaluate(() =>
          // deno-lint-ignore no-explicit-any
          ((globalThis as any).__charts as any[]).map((c) => ({
            id: c.canvas.id,
            sets: c.data.datasets.length,
          }))
        );
        assert.deepEqual(charts.map((c) => c.id), [
          "chart-load",
          "chart-replicas",
          "chart-latency",
          "chart-errors",
          "chart-sweep",
        ]);
        assert.deepEqual(charts.map((c) => c.sets), [3, 3, 3, 2, 6]);
        const inked = await tab.evaluate(() =>
          [...document.querySelectorAll("canvas")].map((c) => {
            const ctx = (c as HTMLCanvasElement).getContext("2d")!;
            const { data } = ctx.getImageData(0, 0, c.width, c.height);
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
            return painted;
          })
        );
        assert.ok(inked.every((n) => n > 1000), `every canvas has ink: ${inked}`);
      });
      await t.step(
        "summary table: one row per run plus the oracle, best cells marked",
        async () => {
          const rows = await tab.$$eval(
            "#summary tbody tr",
            (trs) => trs.map((tr) => tr.querySelector("th")!.textContent),
          );
          assert.deepEqual(rows, ["hpa", "cpa", "oracle (cost floor)"]);
          const best = await tab.$$eval("#summary td.best", (tds) => tds.length);
          assert.ok(best >= 3, `${best} best cells`);
        },
      );
      await t.step("text from the data is escaped, not executed", async () => {
        const note = await tab.textContent("ul.notes li");
        assert.match(note!, /<script>alert\(1\)<\/script>/);
      });
      await t.step(
        "the sweep chart starts at 0 and shows the oracle and every frontier",
        async () => {
          const axes = await tab.evaluate(() => {
            // deno-lint-ignore no-explicit-any
            const chart = (globalThis as any).__charts.find((c: any) =>
              c.canvas.id === "chart-sweep"
            );
            const { x, y } = chart.scales;
            // deno-lint-ignore no-explicit-any
            const shown = chart.data.datasets.filter((d: any) => d.label !== "5% budget")
              // deno-lint-ignore no-explicit-any
              .flatMap((d: any) => d.data).every((p: any) =>
                p.x >= x.min && p.x <= x.max && p.y >= y.min && p.y <= y.max
              );
            return { xMin: x.min, yMin: y.min, yMax: y.max, shown };
          });
          assert.equal(axes.xMin, 0);
          assert.equal(axes.yMin, 0);
          assert.ok(axes.yMax <= 15, `violations clipped near the budget: ${axes.yMax}`);
          assert.ok(axes.shown, "every point within the axes");
        },
      );
      await t.step("findings and verdicts are sentences, not counts", async () => {
        const verdicts = await tab.$$eval(
          "ul.verdicts li",
          (lis) => lis.map((l) => l.textContent!),
        );
        assert.ok(verdicts.length > 0);
        for (const v of verdicts) {
          assert.match(v, /\.$/);
          assert.doesNotMatch(v, /point\(s\)|uncovered/);
        }
      });
      for (const width of [1280, 390]) {
        await t.step(`nothing overflows at ${width} px`, async () => {
          await tab.setViewportSize({ width, height: 900 });
          await tab.waitForTimeout(500); // the charts follow the window on their ResizeObserver
          const overflow = await tab.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assert.equal(overflow, 0, `page is ${overflow} px wider than the window`);
        });
      }
      await tab.screenshot({ path: `${dir}/report.png`, fullPage: true });
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
