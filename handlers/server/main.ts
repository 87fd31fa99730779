/**
 * The server's entry (bundled to dist/server.js): the shared start-up path (handlers/shared/entry.ts)
 * with the API key settled as part of the configuration, then the HTTP + WebSocket server, and a
 * banner saying where to find it.
 */
import { runEntry } from "../shared/entry.js";
import { settleApiKey } from "./keys.js";
import { startServer } from "./server.js";

function banner(url: string, key: { key: string; generated: boolean }, engine: string): string {
  const shown = url.replace("//0.0.0.0:", "//localhost:").replace("//[::]:", "//localhost:");
  const ws = shown.replace(/^http/, "ws");
  return [
    "",
    `Deliberate is listening on ${shown} (engine: ${engine})`,
    `  WebSocket  ${ws}/ws/completions`,
    `  Docs       ${shown}/docs        (asks for the key once per tab)`,
    `  Dashboard  ${shown}/dashboard${key.generated ? `?api_key=${key.key}` : "   (asks for the key once per tab)"}`,
    key.generated
      ? `  API key    ${key.key}   (generated for this run; set ORCH_API_KEY to choose one)`
      : "  API key    from ORCH_API_KEY",
    "",
    "",
  ].join("\n");
}

await runEntry(
  process.env,
  { transport: "server", parseTransport: (config) => (config ? settleApiKey(config) : undefined) },
  async (runtime) => {
    const apiKey = runtime.settings!;
    const server = await startServer({ runtime, apiKey: apiKey.key });
    runtime.log.info({ url: server.url, port: server.port, engine: runtime.engine.kind }, "listening");
    process.stdout.write(banner(server.url, apiKey, runtime.engine.kind));
    return server.transport;
  },
);
