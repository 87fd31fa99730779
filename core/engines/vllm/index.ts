/**
 * The vLLM engine's public entry. The files beside it are the only code that knows vLLM's field
 * names: bodies (requests/responses), errors (status mapping), http (retry), sse, startup.
 */
export { createVllmEngine, VllmEngine, type VllmEngineOptions, type WaitOptions } from "./engine.js";
export { DEFAULT_RETRY, type RetryPolicy, type VllmLogger } from "./http.js";
export { CANARY_REGEX, MIN_VERSION, NOT_ENFORCED, StartupFatalError } from "./startup.js";
