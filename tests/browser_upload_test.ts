/// <reference lib="dom" />
/**
 * Uploads from a real headless Chromium (Debian's): an HTML form with a file field `image`, and
 * a `fetch` with a `FormData`, each to a real replica and through a real dispatcher. Browsers
 * frame multipart bodies with mixed-case boundaries (`----WebKitFormBoundary…`), which curl and
 * Deno's own `FormData` do not.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { startDispatcher, type Started, startScript } from "./support/process.ts";
import { CHROMIUM, CHROMIUM_ARGS, skipWithoutChromium } from "./support/chromium.ts";

const IMAGE = "testdata/images/chelsea.png";

const FORM_PAGE = (action: string) =>
  `<!doctype html><form method="post" enctype="multipart/form-data" action="${action}">
  <input type="file" name="image"><button type="submit">Classify</button></form>`;

/** Submits the form page to `action` with the image chosen in its file field. */
async function submitForm(tab: Page, dir: string, action: string): Promise<string> {
  const page = `${dir}/form.html`;
  await Deno.writeTextFile(page, FORM_PAGE(action));
  await tab.goto(`file://${page}`);
  await tab.setInputFiles("input[name=image]", IMAGE);
  await Promise.all([tab.waitForURL(action), tab.click("button")]);
  return await tab.evaluate(() => document.body.innerText);
}

/** From a page of `origin`, posts a `FormData` whose file is made in the page itself. */
async function fetchFormData(tab: Page, origin: string): Promise<{ status: number; text: string }> {
  await tab.goto(`${origin}/healthz`);
  const bytes = [...await Deno.readFile(IMAGE)];
  return await tab.evaluate(async (data) => {
    const form = new FormData();
    form.append("image", new Blob([new Uint8Array(data)], { type: "image/png" }), "chelsea.png");
    const res = await fetch("/predict", { method: "POST", body: form });
    return { status: res.status, text: await res.text() };
  }, bytes);
}

async function waitForReadyReplica(dispatcher: Started): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const { replicas } = await fetch(`${dispatcher.url}/admin/replicas`).then((r) => r.json());
    if (replicas.some((r: { state: string }) => r.state === "ready")) return;
    if (Date.now() > until) throw new Error("the dispatcher saw no ready replica");
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "browser uploads reach the model, directly and through the dispatcher",
  ignore: skipWithoutChromium,
  async fn(t) {
    const replica = await startScript("replica.ts", [
      "--host=127.0.0.1",
      "--port=0",
      "--backend=native",
      "--threads=1",
      "--name=r-browser",
    ]);
    const dispatcher = await startDispatcher([replica]);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const dir = await Deno.makeTempDir();
    try {
      await waitForReadyReplica(dispatcher);
      const tab = await browser.newPage();
      for (const [name, server] of [["replica", replica], ["dispatcher", dispatcher]] as const) {
        await t.step(`an HTML form posted to the ${name}`, async () => {
          const answer = JSON.parse(await submitForm(tab, dir, `${server.url}/predict`));
          assert.equal(answer.success, true, JSON.stringify(answer));
          assert.ok(Number.isInteger(answer.prediction.class_index));
        });
        await t.step(`fetch with a FormData to the ${name}`, async () => {
          const { status, text } = await fetchFormData(tab, server.url);
          assert.equal(status, 200, text);
          assert.equal(JSON.parse(text).success, true);
        });
      }
    } finally {
      await browser.close();
      await dispatcher.stop();
      await replica.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
