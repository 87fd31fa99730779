/**
 * The dashboard's routes. The page and its script are static and open (they hold no data and no
 * key); the data routes need the key like any API route.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { ServiceStats } from "../../../core/completion-service.js";
import { DeliberateError } from "../../../core/errors.js";
import { security, serve } from "../openapi.js";
import { PAGE_CSP, sendStatic } from "../ops/static-file.js";
import { dashboardScript } from "./assets.js";
import { type EngineCard, type EngineCardSource, engineCard } from "./engine-card.js";
import type { JobView, RecentJobs } from "./jobs.js";
import { DASHBOARD_PAGE } from "./page.js";
import type { SeriesSnapshot, TimeSeries } from "./series.js";

export interface DashboardState extends ServiceStats {
  engine: EngineCard;
  /** True when request logs are on: a job's content can be opened. */
  content: boolean;
  series: SeriesSnapshot;
  recent: JobView[];
}

export interface DashboardDeps extends EngineCardSource {
  stats: () => ServiceStats;
  jobs: RecentJobs;
  series: TimeSeries;
  content: boolean;
}

export const DASHBOARD_OPEN_ROUTES = (path: string) => path === "/dashboard" || path === "/dashboard/app.js";

const pageRoute = createRoute({
  method: "get",
  path: "/dashboard",
  summary: "Live dashboard (HTML; no key in the page: it asks for the key and keeps it in the tab)",
  responses: { 200: { description: "HTML page", content: { "text/html": { schema: { type: "string" } } } } },
});

const stateRoute = createRoute({
  method: "get",
  path: "/dashboard/state",
  summary: "What the dashboard shows: engine, queue, 15-minute series, recent jobs",
  security,
  responses: {
    200: { description: "DashboardState", content: { "application/json": { schema: { type: "object" } } } },
  },
});

export function registerDashboard(app: OpenAPIHono, deps: DashboardDeps): void {
  serve(app, pageRoute, (c) => c.html(DASHBOARD_PAGE, 200, { "content-security-policy": PAGE_CSP }));
  app.get("/dashboard/app.js", async (c) => sendStatic(c, "app.js", await dashboardScript()));
  serve(app, stateRoute, async (c) => {
    const state: DashboardState = {
      ...deps.stats(),
      engine: await engineCard(deps),
      content: deps.content,
      series: deps.series.snapshot(),
      recent: deps.jobs.list(),
    };
    return c.json(state);
  });
  app.get("/dashboard/jobs/:id", (c) => {
    const job = deps.jobs.get(c.req.param("id"));
    if (!job) throw new DeliberateError("not_found", `no recent job ${c.req.param("id")}`);
    return c.json({ ...job.view, content: job.content });
  });
}
