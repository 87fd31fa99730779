/**
 * /docs: Swagger UI from the swagger-ui-dist package, served by this server, so it works offline.
 * The page holds no key: its script asks for the key once, keeps it in sessionStorage (shared with
 * the dashboard) and sends it as a header when it fetches /openapi.json or tries an operation.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { PAGE_CSP, packageFile, sendStatic } from "./static-file.js";

const ASSETS: Record<string, () => Buffer> = {
  "swagger-ui-bundle.js": packageFile("swagger-ui-dist", "swagger-ui-bundle.js"),
  "swagger-ui.css": packageFile("swagger-ui-dist", "swagger-ui.css"),
};

export const KEY_STORAGE = "deliberate.apiKey";

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Deliberate API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<style>#keyform{font-family:system-ui,sans-serif;padding:.6rem 1rem;background:#1f2937;color:#fff;display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
#keyform input{flex:1;min-width:12rem;padding:.3rem}</style></head>
<body><form id="keyform"><label for="key">API key</label><input id="key" type="password" autocomplete="off"
placeholder="ORCH_API_KEY, kept for this tab only"><button>Use</button><span id="keystate"></span></form>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;

const INIT = `(() => {
  const STORE = ${JSON.stringify(KEY_STORAGE)};
  const input = document.getElementById("key");
  const state = document.getElementById("keystate");
  const fromUrl = new URLSearchParams(location.search).get("api_key");
  if (fromUrl) { sessionStorage.setItem(STORE, fromUrl); history.replaceState(null, "", location.pathname); }
  const render = () => {
    const key = sessionStorage.getItem(STORE);
    state.textContent = key ? "key set" : "enter the key to load the API description";
    if (!key) return;
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      requestInterceptor: (req) => { req.headers.Authorization = "Bearer " + sessionStorage.getItem(STORE); return req; },
    });
  };
  document.getElementById("keyform").addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.value) sessionStorage.setItem(STORE, input.value.trim());
    input.value = "";
    render();
  });
  render();
})();
`;

export const DOCS_OPEN_ROUTES = (path: string) => path === "/docs" || path.startsWith("/docs/");

export function registerDocs(app: OpenAPIHono): void {
  app.get("/docs", (c) => c.html(PAGE, 200, { "content-security-policy": PAGE_CSP }));
  app.get("/docs/init.js", (c) => sendStatic(c, "init.js", INIT));
  app.get("/docs/assets/:name", (c) => {
    const asset = ASSETS[c.req.param("name")];
    return asset ? sendStatic(c, c.req.param("name"), asset()) : c.notFound();
  });
}
