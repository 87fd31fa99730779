/**
 * The vLLM engine's public entry. The files beside it are the only code that knows vLLM's field
 * names: bodies (requests/responses), errors (status mapping), http (retry), sse, startup.
 */
export { createVllmEngine, VllmEngine, type VllmEngineOptions, type WaitOptions } from "./vllm-engine.js";
export { DEFAULT_RETRY, type RetryPolicy, type VllmLogger } from "./vllm-http.js";
export { MIN_VERSION, NOT_ENFORCED } from "./vllm-startup.js";
