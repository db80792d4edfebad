/**
 * Test support: Debian's headless Chromium for playwright-core (never a downloaded browser).
 *
 * @module
 */

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a headless Chromium in a sandbox without a network. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Skip browser tests only where Chromium is missing outside CI (CI installs it). */
export const skipWithoutChromium = !(await Deno.stat(CHROMIUM).then(() => true, () => false)) &&
  !Deno.env.get("CI");
