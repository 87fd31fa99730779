/**
 * The vLLM engine's public entry. The files beside it are the only code that knows vLLM's field
 * names: bodies (requests/responses), errors (status mapping), http (retry), upstream (the connection
 * pool and how a request is sent), sse, startup (checks and the fatal/transient line), wait (start-up
 * retried), compile-check (constraints vLLM compiled).
 */
export { createVllmEngine, VllmEngine, type VllmEngineOptions } from "./engine.js";
export type { WaitOptions } from "./wait.js";
export { DEFAULT_RETRY, type RetryPolicy, type VllmLogger } from "./http.js";
export { CANARY_REGEX, MIN_VERSION, NOT_ENFORCED, StartupFatalError } from "./startup.js";
