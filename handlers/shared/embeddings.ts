/**
 * OpenAI's embeddings response from an Engine's vectors; `encoding_format: base64` is the
 * little-endian float32 bytes, as OpenAI sends them.
 */
import type { Engine } from "../../core/engine.js";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../../core/protocol.js";

export async function embed(
  engine: Engine,
  request: EmbeddingsRequest,
  signal?: AbortSignal,
): Promise<EmbeddingsResponse> {
  const input = typeof request.input === "string" ? [request.input] : request.input;
  const out = await engine.embeddings({
    input,
    ...(request.model ? { model: request.model } : {}),
    ...(request.dimensions ? { dimensions: request.dimensions } : {}),
    ...(signal ? { signal } : {}),
  });
  return {
    object: "list",
    model: out.model,
    data: out.vectors.map((vector, index) => ({
      object: "embedding",
      index,
      embedding:
        request.encoding_format === "base64"
          ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
          : vector,
    })),
    usage: { prompt_tokens: out.promptTokens, total_tokens: out.promptTokens },
  };
}
