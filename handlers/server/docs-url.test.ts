import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { docsDocumentUrl } from "./docs-url.js";
import { startTestServer, TEST_KEY, type TestServer } from "./testing.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(new ScriptedEngine());
});
afterAll(() => server.shutdown());

describe("/docs with a hostile api_key", () => {
  it("percent-encodes everything that could leave a script string, and round-trips the key", () => {
    for (const key of ["x'-alert(1)-'", '"</script><script>alert(1)</script>', "a\\u0027b", "!*~()'"]) {
      const url = docsDocumentUrl(key);
      expect(url).toMatch(/^\/openapi\.json\?api_key=[A-Za-z0-9%._-]*$/);
      expect(decodeURIComponent(url.split("api_key=")[1]!)).toBe(key);
    }
    expect(docsDocumentUrl(undefined)).toBe("/openapi.json");
  });

  it("does not write the key into the page's script as script", async () => {
    const hostile = "x'-alert(1)-'";
    const res = await fetch(`${server.url}/docs?api_key=${encodeURIComponent(hostile)}`, {
      headers: { "x-api-key": TEST_KEY },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("alert(1)");
    expect(html).not.toContain("'-alert");
    expect(html).toContain("/openapi.json?api_key=x%27-alert%281%29-%27");
  });
});
