import assert from "node:assert/strict";
import { COLUMNS, tableCells } from "./table.ts";
import { summary } from "../testing/report_fixture.ts";

const col = (title: string) => COLUMNS.findIndex((c) => c.title === title);

Deno.test("tableCells", async (t) => {
  await t.step("the lowest value of each column is best; ties all marked", () => {
    const cells = tableCells([
      { summary: summary({ violationsPercent: 2, replicaSeconds: 900, oscillations: 1 }) },
      { summary: summary({ violationsPercent: 0.5, replicaSeconds: 1200, oscillations: 1 }) },
    ]);
    assert.deepEqual(cells.map((r) => r[col("SLO violations")].best), [false, true]);
    assert.deepEqual(cells.map((r) => r[col("replica-seconds")].best), [true, false]);
    assert.deepEqual(cells.map((r) => r[col("oscillations")].best), [true, true]);
  });
  await t.step("the reference row (oracle) is printed, never best, and does not compete", () => {
    const cells = tableCells([
      { summary: summary({ replicaSeconds: 1500 }) },
      { summary: summary({ replicaSeconds: 1400 }) },
      { summary: summary({ replicaSeconds: 1000 }), reference: true },
    ]);
    assert.deepEqual(cells.map((r) => r[col("replica-seconds")].best), [false, true, false]);
    assert.equal(cells[2][col("replica-seconds")].text, "1,000");
  });
  await t.step("formats: percent, ms, ratio, never-recovered as ∞, missing as a dash", () => {
    const [row] = tableCells([{
      summary: summary({
        violationsPercent: 1.234,
        p95: 0.4219,
        costRatio: null,
        recoverySeconds: [12, null],
      }),
    }]);
    assert.equal(row[col("SLO violations")].text, "1.23%");
    assert.equal(row[col("p95")].text, "422 ms");
    assert.equal(row[col("× oracle")].text, "–");
    assert.equal(row[col("worst recovery")].text, "∞");
  });
  await t.step("cost columns: only runs within the violation budget compete", () => {
    const cells = tableCells([
      { summary: summary({ violationsPercent: 60, replicaSeconds: 100, meanReplicas: 1 }) },
      { summary: summary({ violationsPercent: 0.5, replicaSeconds: 900, meanReplicas: 4 }) },
    ]);
    assert.deepEqual(cells.map((r) => r[col("replica-seconds")].best), [false, true]);
    assert.deepEqual(cells.map((r) => r[col("mean replicas")].best), [false, true]);
    assert.deepEqual(cells.map((r) => r[col("SLO violations")].best), [false, true]);
  });
  await t.step("a lone run is not highlighted", () => {
    assert.ok(tableCells([{ summary: summary() }])[0].every((c) => !c.best));
  });
});
