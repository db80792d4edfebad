/**
 * What every e2e scenario takes and returns: options (reduced or full parameters, an output
 * directory, a progress log) and a result of named figures and checks. A check marked
 * `fullOnly` holds a tight bound (a latency ratio, a millisecond budget) that is asserted in the
 * full run only; the reduced run reports it without failing on a loaded CI machine.
 *
 * @module
 */

/** A reported value. */
export type Figure = number | string | boolean | null;

/** One pass/fail check of a scenario. */
export interface Check {
  /** What is checked. */
  name: string;
  /** Whether it held. */
  ok: boolean;
  /** The measured value(s) behind the verdict. */
  detail: string;
  /** Asserted only in the full run. */
  fullOnly?: boolean;
}

/** Options every scenario takes. */
export interface ScenarioOptions {
  /** Full parameters (long runs, many cases) instead of the reduced CI ones. */
  full: boolean;
  /** Directory for this scenario's files (load-test output, decision logs). */
  dir: string;
  /** Progress lines. */
  log: (message: string) => void;
}

/** What a scenario reports. */
export interface ScenarioResult {
  /** Scenario id. */
  scenario: string;
  /** One-line description. */
  title: string;
  /** `reduced` or `full`. */
  mode: "reduced" | "full";
  /** Wall time, seconds. */
  seconds: number;
  /** Named figures, in report order. */
  figures: Record<string, Figure>;
  /** Checks. */
  checks: Check[];
  /** Set when the scenario could not run (e.g. no prometheus binary). */
  skipped?: string;
}

/** A scenario module's entry point. */
export type Scenario = (options: ScenarioOptions) => Promise<ScenarioResult>;

/** Collects a scenario's figures and checks. */
export class Report {
  readonly #started = performance.now();
  readonly figures: Record<string, Figure> = {};
  readonly checks: Check[] = [];

  /** Starts the report of `scenario`. */
  constructor(
    readonly scenario: string,
    readonly title: string,
    readonly options: ScenarioOptions,
  ) {}

  /** Records figures (numbers are kept as given; round before). */
  set(figures: Record<string, Figure>): void {
    Object.assign(this.figures, figures);
  }

  /** Records a check. */
  check(name: string, ok: boolean, detail: string, fullOnly = false): void {
    this.checks.push({ name, ok, detail, fullOnly });
    this.options.log(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}${fullOnly ? " (full run)" : ""}`);
  }

  /** The result. */
  result(skipped?: string): ScenarioResult {
    return {
      scenario: this.scenario,
      title: this.title,
      mode: this.options.full ? "full" : "reduced",
      seconds: Math.round((performance.now() - this.#started) / 100) / 10,
      figures: this.figures,
      checks: this.checks,
      ...(skipped ? { skipped } : {}),
    };
  }
}

/** Checks that count in `mode` and failed. */
export function failures(result: ScenarioResult): Check[] {
  return result.checks.filter((c) => !c.ok && (!c.fullOnly || result.mode === "full"));
}
