import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "./testing.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`dashboard.test.ts: skipped, ${CHROMIUM} is absent (apt-get install chromium)`);

describe.skipIf(!hasChromium)("dashboard in a real browser", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer(new ScriptedEngine({ fallback: { text: "Seventeen" }, delayMs: 20 }));
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

  it("shows the queue, sends a prompt over the WebSocket and lists the request", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}/dashboard?api_key=${encodeURIComponent(TEST_KEY)}`);
    await page.waitForFunction(() => document.getElementById("queued")?.textContent === "0");
    expect(await page.textContent("#running")).toBe("0");
    expect(await page.textContent("#model")).toContain("scripted-model");

    await page.fill("#prompt", "count to seventeen");
    await page.selectOption("#effort", "low");
    await page.click("#send");
    await page.waitForFunction(() =>
      document.getElementById("answer")?.textContent?.includes("=> Seventeen"),
    );
    const events = await page.textContent("#events");
    expect(events).toContain("queued at position 0");
    expect(events).toContain("reflect completed");
    // Streamed deltas were shown before the result line.
    expect(await page.textContent("#answer")).toContain("[final] Seventeen");

    await page.waitForFunction(() => document.querySelectorAll("#recent tr").length > 0);
    const row = await page.$$eval("#recent tr:first-child td", (tds) => tds.map((td) => td.textContent));
    expect(row[2]).toBe("ws");
    expect(row[3]).toBe("low");
    expect(row[4]).toBe("4");
    expect(row[7]).toBe("ok");
    expect(errors).toEqual([]);
  });

  it("refuses the page without the key", async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${server.url}/dashboard`);
    expect(res?.status()).toBe(401);
  });
});
