/** GET /dashboard (the page) and /dashboard/state (what it polls). */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { CompletionService } from "../../../core/completion-service.js";
import { DASHBOARD_HTML } from "../dashboard-page.js";
import type { DashboardState, RecentRequests } from "../dashboard.js";
import { security, serve } from "../openapi.js";

const dashboardRoute = createRoute({
  method: "get",
  path: "/dashboard",
  summary: "Live dashboard (HTML)",
  security,
  responses: {
    200: { description: "HTML page", content: { "text/html": { schema: { type: "string" } } } },
  },
});

export function addDashboardRoutes(
  app: OpenAPIHono,
  service: CompletionService,
  recent: RecentRequests,
): void {
  serve(app, dashboardRoute, (c) => c.html(DASHBOARD_HTML));
  app.get("/dashboard/state", (c) => {
    const engine = service.engine;
    const state: DashboardState = {
      ...service.stats(),
      engine: engine.kind,
      model: engine.modelInfo().model,
      recent: recent.list(),
    };
    return c.json(state);
  });
}
