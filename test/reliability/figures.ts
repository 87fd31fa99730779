import { request as httpRequest } from "node:http";

/**
 * Samplers for the reliability suite's figures: the worst /health latency and the peak RSS while a
 * run is going on. Each test prints its figures as one `reliability:` line (README "Reliability").
 */
export interface Sampler {
  stop(): Promise<{ worstHealthMs: number; peakRssMb: number; healthChecks: number }>;
}

/** Polls `${url}/health` one request at a time and samples this process's RSS every `everyMs`. */
export function sampleWhileRunning(
  url: string,
  everyMs = 50,
  rss: () => number = () => process.memoryUsage().rss,
): Sampler {
  let worst = 0;
  let peak = rss();
  let checks = 0;
  let running = true;
  const memory = setInterval(() => {
    peak = Math.max(peak, rss());
  }, everyMs);
  const health = (async () => {
    while (running) {
      const t0 = performance.now();
      const status = await getStatus(`${url}/health`).catch((err: unknown) => err as Error);
      if (status !== 200) throw new Error(`/health did not answer 200 during the run: ${String(status)}`);
      worst = Math.max(worst, performance.now() - t0);
      checks++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      clearInterval(memory);
      await health;
      return {
        worstHealthMs: Math.round(worst),
        peakRssMb: Math.round(peak / 1024 / 1024),
        healthChecks: checks,
      };
    },
  };
}

export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`reliability: ${name} ${JSON.stringify(figures)}`);
}

/**
 * POSTs JSON on a connection of its own (no keep-alive): with client, server and stand-in sharing
 * one loaded process, a pooled connection can be reused just as the server closes it idle.
 */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json", ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
          } catch {
            reject(new Error(`not JSON (HTTP ${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(typeof body === "string" ? body : JSON.stringify(body));
  });
}

/** GET on a connection of its own; resolves with the status once the body has been read. */
export function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
