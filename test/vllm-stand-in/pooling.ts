/**
 * POST /tokenize and POST /v1/embeddings of the stand-in, in vLLM's shapes.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { tokenId, tokenize } from "./generate.js";
import { describeViolation, EmbeddingsBody, TokenizeBody } from "./schemas.js";
import type { VllmStandIn } from "./server.js";

export function handleTokenize(standIn: VllmStandIn, res: ServerResponse, raw: unknown) {
  const parsed = TokenizeBody.safeParse(raw);
  if (!parsed.success) return standIn.violation(res, describeViolation(raw, parsed.error));
  const body = parsed.data;
  if (standIn.rejectUnknownModel(res, body.model)) return;
  const text = "prompt" in body ? body.prompt : JSON.stringify(body.messages);
  const pieces = tokenize(text);
  standIn.sendJson(res, 200, {
    count: pieces.length,
    max_model_len: standIn.options.maxModelLen,
    tokens: pieces.map(tokenId),
    token_strs: body.return_token_strs ? pieces : null,
  });
}

/** A deterministic unit vector for a text (the same text always embeds the same way). */
export function embed(text: string, dims: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < dims; i++) {
    const digest = createHash("sha256").update(`${i}:${text}`).digest();
    for (let j = 0; j + 4 <= digest.length && out.length < dims; j += 4) {
      out.push(digest.readInt32BE(j) / 2 ** 31);
    }
  }
  const norm = Math.hypot(...out) || 1;
  return out.map((v) => v / norm);
}

export function handleEmbeddings(standIn: VllmStandIn, res: ServerResponse, raw: unknown) {
  if (standIn.options.runner !== "pooling") {
    // A generate server has no /v1/embeddings route at all.
    return standIn.sendJson(res, 404, { detail: "Not Found" });
  }
  if (raw !== null && typeof raw === "object" && "normalize" in raw) {
    // vLLM's reject_removed_pooling_parameters, surfaced through pydantic's validation error.
    return standIn.violation(
      res,
      "Value error, Parameter `normalize` was removed; use `use_activation` instead.",
      "normalize",
    );
  }
  const parsed = EmbeddingsBody.safeParse(raw);
  if (!parsed.success) return standIn.violation(res, describeViolation(raw, parsed.error));
  const body = parsed.data;
  if (standIn.rejectUnknownModel(res, body.model)) return;
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  if (!inputs.every((i): i is string => typeof i === "string")) {
    return standIn.violation(res, "the client must send text inputs", "body.input");
  }
  const dims = body.dimensions ?? standIn.options.embeddingDims;
  const promptTokens = inputs.reduce((n, s) => n + tokenize(s).length, 0);
  standIn.sendJson(res, 200, {
    id: `embd-${randomBytes(16).toString("hex")}`,
    object: "list",
    created: Math.floor(Date.now() / 1000),
    model: standIn.options.model,
    data: inputs.map((text, index) => {
      const vector = embed(text, dims);
      return {
        index,
        object: "embedding",
        embedding:
          body.encoding_format === "base64"
            ? Buffer.from(new Float32Array(vector).buffer).toString("base64")
            : vector,
      };
    }),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 },
  });
}
