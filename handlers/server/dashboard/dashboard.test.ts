/**
 * The dashboard and /docs in headless Chromium against a real server, with every request that
 * leaves 127.0.0.1 blocked: charts that move after requests, the try-it panel for each constraint
 * kind and a cancel, a failed job's error, the offline API docs, and no horizontal scroll on a phone.
 * Screenshots go to .test-output/screenshots/.
 */
import { existsSync, mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionCall } from "../../../core/engine.js";
import { DeliberateError } from "../../../core/errors.js";
import { abortableDelay, ScriptedEngine } from "../../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = new URL("../../../.test-output/screenshots/", import.meta.url).pathname;
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`dashboard.test.ts: skipped, ${CHROMIUM} is absent (apt-get install chromium)`);

async function reply(call: CompletionCall) {
  if (call.prompt.includes("fail me") && call.constraint) {
    throw new DeliberateError("engine_error", "the scripted engine failed this draft");
  }
  if (call.prompt.includes("take your time")) await abortableDelay(30_000, call.signal);
  if (!call.constraint) return { text: "Thinking it over.\n" };
  switch (call.constraint.kind) {
    case "json":
      return { text: '{"prime": false}' };
    case "choice":
      return { text: call.constraint.choices[0]! };
    default:
      return { text: "yes" };
  }
}

describe.skipIf(!hasChromium)("dashboard and docs in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  const outside: string[] = [];
  const consoleErrors: string[] = [];

  async function openPage(path: string, width = 1280, height = 800): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height } });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    await page.goto(`${server.url}${path}`);
    return page;
  }

  async function withKey(page: Page): Promise<void> {
    await page.fill("#key", TEST_KEY);
    await page.click("#keyform button");
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer(new ScriptedEngine({ fallback: reply, delayMs: 5 }), { maxQueue: 16 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.shutdown();
  });

  it("asks for the key once, then shows the engine, counters and charts", async () => {
    const page = await openPage("/dashboard");
    expect(await page.textContent("#keystate")).toContain("enter the API key");
    await withKey(page);
    await page.waitForFunction(() => document.getElementById("engine")?.textContent?.includes("scripted"));
    expect(await page.textContent("#engine")).toContain("ready");
    expect(await page.textContent("#queued")).toBe("0");
    await page.waitForSelector("#chart-requests canvas");
    // The key lives in this tab's sessionStorage, never in the page's markup.
    expect(await page.evaluate(() => sessionStorage.getItem("deliberate.apiKey"))).toBe(TEST_KEY);
    expect(await page.content()).not.toContain(TEST_KEY);
    await page.close();
  });

  it("runs each constraint kind from the try-it panel, per step, and the charts move", async () => {
    const page = await openPage(`/dashboard?api_key=${TEST_KEY}`);
    await page.waitForFunction(() => document.getElementById("engine")?.textContent?.includes("ready"));
    const before = await page.evaluate(() => document.querySelector("#chart-requests")?.textContent ?? "");
    const want: Record<string, string> = {
      json: '{"prime": false}',
      regex: "yes",
      choice: "yes",
      grammar: "yes",
      "": "Thinking",
    };
    for (const [kind, answer] of Object.entries(want)) {
      await page.selectOption("#kind", kind);
      await page.selectOption("#effort", kind === "" ? "none" : "low");
      await page.click("#send");
      await page.waitForFunction(() => document.getElementById("events")?.textContent?.includes("done"));
      expect(await page.textContent("#step-final pre"), kind).toContain(answer.slice(0, 4));
      if (kind !== "") {
        // thinking, draft and reflection are shown apart from the final answer
        expect(await page.textContent("#step-think pre")).toContain("Thinking it over");
        expect(await page.textContent("#step-draft pre")).toBe(answer);
        expect(await page.textContent("#step-reflect pre")).toContain("Thinking it over");
      }
    }
    await page.waitForFunction(
      (b) => (document.querySelector("#chart-requests")?.textContent ?? "") !== b,
      before,
      { timeout: 10_000 },
    );
    const totals = await server.app.request("/dashboard/state", { headers: { "x-api-key": TEST_KEY } });
    const state = (await totals.json()) as { series: { requests_per_min: Record<string, number[]> } };
    expect(state.series.requests_per_min.ok!.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
    await page.screenshot({ path: `${SHOTS}dashboard-1280.png`, fullPage: true });
    await page.close();
  });

  it("cancels a running request", async () => {
    const page = await openPage(`/dashboard?api_key=${TEST_KEY}`);
    await page.selectOption("#kind", "");
    await page.fill("#prompt", "take your time");
    await page.click("#send");
    await page.waitForFunction(() =>
      document.getElementById("events")?.textContent?.includes("think started"),
    );
    await page.click("#cancel");
    await page.waitForFunction(() =>
      document.getElementById("events")?.textContent?.includes("error cancelled"),
    );
    expect(await page.isDisabled("#cancel")).toBe(true);
    await page.close();
  });

  it("shows a failed job's real steps and its error", async () => {
    const page = await openPage(`/dashboard?api_key=${TEST_KEY}`);
    await page.fill("#prompt", "fail me");
    await page.selectOption("#kind", "choice");
    await page.click("#send");
    await page.waitForFunction(() =>
      document.getElementById("events")?.textContent?.includes("engine_error"),
    );
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll("#recent td.err")).some((td) =>
        td.textContent?.includes("failed this draft"),
      ),
    );
    const row = page.locator("#recent tr", { hasText: "failed this draft" }).first();
    const cells = await row.locator("td").allTextContents();
    expect(cells[4]).toBe("1"); // the think step ran and is counted
    expect(Number(cells[5])).toBeGreaterThan(0);
    await row.click();
    await page.waitForSelector("#job.open");
    const job = await page.textContent("#jobbody");
    expect(job).toContain("think");
    expect(job).toContain("engine_error in draft: the scripted engine failed this draft");
    await page.close();
  });

  it("fits a phone: no horizontal scroll at 390 px", async () => {
    const page = await openPage(`/dashboard?api_key=${TEST_KEY}`, 390, 844);
    await page.waitForFunction(() => document.querySelectorAll("#recent tr").length > 2);
    await page.waitForSelector("#chart-latency canvas");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}dashboard-390.png`, fullPage: true });
    await page.close();
  });

  it("serves /docs offline: the operations render with the network blocked", async () => {
    const page = await openPage("/docs");
    await withKey(page);
    await page.waitForSelector(".opblock-summary-path", { timeout: 20_000 });
    const paths = await page.$$eval(".opblock-summary-path", (els) => els.map((e) => e.textContent));
    expect(paths).toContain("/completions");
    expect(await page.content()).not.toContain(TEST_KEY);
    await page.screenshot({ path: `${SHOTS}docs-1280.png` });
    await page.close();
  });

  it("loaded nothing from outside and logged no errors", () => {
    expect(outside).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
