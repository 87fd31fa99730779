/**
 * POST /v1/completions of the stand-in: validation, vLLM's 400/404 behaviours, generation, and
 * the plain JSON and SSE answers in vLLM's exact shapes (null fields present, usage-only chunk, [DONE]).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { sleep } from "../../core/sleep.js";
import { type CallFault, errorBody } from "./faults.js";
import { constrainedText, detokenize, finish, freeText, type Generated, tokenIds } from "./generate.js";
import { CompletionBody, describeViolation, type TextCompletionBody } from "./schemas.js";
import type { VllmStandIn } from "./server.js";

export async function handleCompletion(
  standIn: VllmStandIn,
  _req: IncomingMessage,
  res: ServerResponse,
  raw: unknown,
  callFault?: CallFault,
): Promise<void> {
  const { options } = standIn;
  // A per-call fault applies to this call only, on top of the switchable ones.
  const faults = {
    ...standIn.faults,
    ...(callFault === "slow" ? { tokenDelayMs: 20 } : {}),
    ...(callFault === "violate" ? { ignoreStructuredOutputs: true } : {}),
  };
  if (options.runner === "pooling") {
    // A pooling server registers no generate routes at all: FastAPI's own 404.
    return standIn.sendJson(res, 404, { detail: "Not Found" });
  }
  const parsed = CompletionBody.safeParse(raw);
  if (!parsed.success) return standIn.violation(res, describeViolation(raw, parsed.error));
  const prompt = promptOf(parsed.data.prompt);
  if (prompt === undefined) {
    return standIn.violation(res, "the client must send one prompt, text or token ids", "body.prompt");
  }
  if ("unknown" in prompt) {
    // vLLM's input check (vllm/v1/engine/processor.py): a 400 naming the id.
    return standIn.sendError(
      res,
      400,
      `Token id ${prompt.unknown} is out of vocabulary`,
      "BadRequestError",
      null,
    );
  }
  const body: TextCompletionBody = { ...parsed.data, prompt: prompt.text };
  if (standIn.rejectUnknownModel(res, body.model)) return;
  // Token ids are taken as sent, not re-tokenized: that is what the prefix cache sees.
  const promptIds = prompt.ids ?? tokenIds(body.prompt);
  const returnIds = body.return_token_ids === true && !faults.noTokenIds;
  const maxTokens = body.max_tokens ?? 16;
  if (promptIds.length + maxTokens > options.maxModelLen) {
    return standIn.sendError(
      res,
      400,
      `This model's maximum context length is ${options.maxModelLen} tokens. However, you requested ` +
        `${promptIds.length + maxTokens} tokens (${promptIds.length} in the messages, ${maxTokens} in ` +
        "the completion). Please reduce the length of the messages or completion.",
      "BadRequestError",
      "max_tokens",
    );
  }

  const so = faults.ignoreStructuredOutputs ? undefined : (body.structured_outputs ?? undefined);
  if (so && faults.compileFails?.(so)) return compileFailure(res, body.stream === true);
  const scripted = standIn.nextReply(body);
  const text = scripted?.text ?? (so ? constrainedText(so, body.seed ?? 0) : freeText(body.prompt));
  const generated = finish(text, body, scripted?.finishReason);
  const cached = options.promptTokensDetails ? standIn.cachedTokens(promptIds, generated.ids) : 0;
  const usage = {
    prompt_tokens: promptIds.length,
    completion_tokens: generated.ids.length,
    total_tokens: promptIds.length + generated.ids.length,
    prompt_tokens_details: cached > 0 ? { cached_tokens: cached } : null,
  };
  const id = `cmpl-${randomBytes(16).toString("hex")}`;
  const created = Math.floor(Date.now() / 1000);
  const head = { id, object: "text_completion", created, model: options.model };

  // A place in vLLM's running batch first (batch.ts); it is given back when the answer ends.
  const leave = await standIn.batch.enter();
  res.on("close", leave);
  if (res.destroyed) return leave();
  if (faults.callDelayMs) await sleep(faults.callDelayMs);
  let sent = 0;
  let done = false;
  let cutByServer = false;
  res.on("close", () => {
    if (!done && !cutByServer) {
      standIn.recordClose({
        path: "/v1/completions",
        body,
        streaming: body.stream === true,
        tokensSent: sent,
        totalTokens: generated.tokens.length,
      });
    }
  });
  const gone = () => res.destroyed || res.writableEnded;
  const cut = () => {
    cutByServer = true;
    res.socket?.destroy();
  };

  if (!body.stream) {
    // Generation time happens before the body is written; a client abort shows up as a close.
    for (; sent < generated.tokens.length; sent++) {
      if (faults.cutAfterTokens !== undefined && sent >= faults.cutAfterTokens) return cut();
      if (faults.tokenDelayMs) await sleep(faults.tokenDelayMs);
      if (gone()) return;
    }
    done = true;
    return standIn.sendJson(res, 200, {
      ...head,
      choices: [choice(generated.tokens.join(""), generated, true, returnIds ? promptIds : null)],
      service_tier: null,
      system_fingerprint: null,
      kv_transfer_params: null,
      usage,
    });
  }

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.flushHeaders();
  // Each event is flushed before the next step, so a cut comes after what was already sent.
  const event = (data: unknown) =>
    new Promise<void>((resolve) => {
      res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`, () => resolve());
    });
  // With return_token_ids: prompt ids in the first chunk, each chunk's generated ids (the stop
  // string's or EOS's with the last), as vLLM's serving_completion.py streams them.
  const chunk = (text: string, i: number, last: boolean) => ({
    ...head,
    choices: [
      {
        index: 0,
        text,
        logprobs: null,
        ...finishFields(generated, last),
        prompt_token_ids: returnIds && i === 0 ? promptIds : null,
        token_ids: returnIds ? generated.ids.slice(i, last ? undefined : i + 1) : null,
      },
    ],
    usage: null,
  });
  const tokens = generated.tokens.length > 0 ? generated.tokens : [""];
  for (let i = 0; i < tokens.length; i++) {
    // Midway: after the first token, or before the only one.
    const midway = i === Math.min(1, tokens.length - 1);
    if (callFault === "cut" && midway) return cut();
    if (callFault === "malformed" && midway) {
      done = true;
      await event('{"id": "cmpl-broken", "choices": [{"text": ');
      res.end();
      return;
    }
    if (faults.cutAfterTokens !== undefined && sent >= faults.cutAfterTokens) return cut();
    if (faults.errorEventAfterTokens !== undefined && sent >= faults.errorEventAfterTokens) {
      done = true;
      await event(errorBody("EngineCore encountered an issue.", "InternalServerError", null, 500));
      await event("[DONE]");
      res.end();
      return;
    }
    if (faults.tokenDelayMs) await sleep(faults.tokenDelayMs);
    if (gone()) return;
    await event(chunk(tokens[i]!, i, i === tokens.length - 1));
    sent++;
  }
  done = true;
  if (body.stream_options && body.stream_options.include_usage !== false) {
    const { prompt_tokens_details, ...rest } = usage;
    // Null fields are omitted from the usage-only chunk.
    await event({ ...head, choices: [], usage: prompt_tokens_details ? usage : rest });
  }
  await event("[DONE]");
  res.end();
}

/** EngineGenerateError as vLLM's server answers it: no message at all. */
function compileFailure(res: ServerResponse, stream: boolean): void {
  if (!stream) {
    res.writeHead(500, { "content-length": 0 });
    res.end();
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.write(`data: ${JSON.stringify(errorBody("", "InternalServerError", null, 500))}\n\n`);
  res.end("data: [DONE]\n\n");
}

function finishFields(generated: Generated, last: boolean) {
  return last
    ? { finish_reason: generated.finishReason, stop_reason: generated.stopReason }
    : { finish_reason: null, stop_reason: null };
}

function choice(text: string, generated: Generated, last: boolean, promptIds: number[] | null) {
  return {
    index: 0,
    text,
    logprobs: null,
    ...finishFields(generated, last),
    prompt_logprobs: null,
    prompt_token_ids: promptIds,
    token_ids: promptIds ? generated.ids : null,
  };
}

/** One prompt, as text or token ids (decoded with the stand-in's vocabulary); undefined for a batch. */
function promptOf(
  prompt: CompletionBody["prompt"],
): { text: string; ids?: number[] } | { unknown: number } | undefined {
  if (typeof prompt === "string") return { text: prompt };
  if (prompt.length === 0 || typeof prompt[0] !== "number") return undefined;
  const ids = prompt as number[];
  const decoded = detokenize(ids);
  return "text" in decoded ? { text: decoded.text, ids } : decoded;
}
