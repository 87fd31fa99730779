/**
 * The model names the OpenAI routes answer to: the engine's own (engine.modelInfo().model) and the
 * alias `deliberate`, so client code need not change when the model behind the server does.
 */
import { modelNotFound } from "./errors.js";
import type { ModelList } from "./schemas.js";

export const MODEL_ALIAS = "deliberate";

/** The engine's model name (engine.modelInfo().model) and the alias. */
export function servedModels(own: string): string[] {
  return own === MODEL_ALIAS ? [own] : [own, MODEL_ALIAS];
}

/** The name a response reports: the one asked for, or the engine's own; an unknown name is a 404. */
export function resolveModel(requested: string | undefined, served: string[]): string {
  if (requested === undefined) return served[0]!;
  if (!served.includes(requested)) throw modelNotFound(requested, served);
  return requested;
}

export function modelList(served: string[]): ModelList {
  const created = Math.floor(Date.now() / 1000);
  return {
    object: "list",
    data: served.map((id) => ({ id, object: "model" as const, created, owned_by: "deliberate" })),
  };
}
