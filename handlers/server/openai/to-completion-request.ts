/**
 * OpenAI request → Deliberate CompletionRequest: a pure function. The result still goes through
 * CompletionRequest's own parse in the service; what is checked here is what only the OpenAI form
 * can get wrong (parts, effort names, two ways of giving a constraint or an effort).
 */
import { DeliberateError } from "../../../core/errors.js";
import type { CompletionRequestInput, StructuredOutputs, ThinkingEffort } from "../../../core/protocol.js";
import type {
  ChatCompletionRequest,
  OpenAiMessage,
  ResponseFormat,
  TextCompletionRequest,
} from "./schemas.js";
import { refuseUnsupported } from "./unsupported.js";

export interface MappedRequest {
  request: CompletionRequestInput;
  /** The model name the client asked for, if any (checked against the served names by the caller). */
  model: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  /** Stop strings, applied to the final free-text answer. */
  stop: string[];
}

const invalid = (param: string, message: string) =>
  new DeliberateError("invalid_request", `${param}: ${message}`, { param });

function messageText(message: OpenAiMessage, index: number): string {
  if (message.content === null) {
    if (message.role === "assistant") return "";
    throw invalid(`messages.${index}.content`, "content is required");
  }
  if (typeof message.content === "string") return message.content;
  return message.content
    .map((part, j) => {
      if (part.type !== "text" || typeof part.text !== "string") {
        throw invalid(
          `messages.${index}.content.${j}.type`,
          `${part.type} content parts are not supported: Deliberate takes text only`,
        );
      }
      return part.text;
    })
    .join("\n");
}

function effortOf(body: ChatCompletionRequest | TextCompletionRequest): ThinkingEffort | undefined {
  const fromOpenAi = body.reasoning_effort
    ? body.reasoning_effort === "minimal"
      ? "none"
      : body.reasoning_effort
    : undefined;
  const own = body.thinking_effort ?? undefined;
  if (fromOpenAi && own && fromOpenAi !== own) {
    throw invalid("reasoning_effort", `contradicts thinking_effort ${own}; give one of them`);
  }
  return fromOpenAi ?? own;
}

function constraintOf(
  format: ResponseFormat | null | undefined,
  own: StructuredOutputs | null | undefined,
): StructuredOutputs | undefined {
  if (format && format.type !== "text" && own) {
    throw invalid("response_format", "give either response_format or structured_outputs, not both");
  }
  if (own) return own;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { json: { type: "object" } };
  return { json: format.json_schema.schema ?? { type: "object" } };
}

function stopsOf(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return typeof stop === "string" ? [stop] : stop;
}

function common(body: ChatCompletionRequest | TextCompletionRequest) {
  refuseUnsupported(body);
  const constraint = constraintOf(body.response_format, body.structured_outputs);
  const stop = stopsOf(body.stop);
  if (constraint && stop.length > 0) {
    throw invalid("stop", "stop applies to free-text answers only, not to a constrained answer");
  }
  const effort = effortOf(body);
  const request: CompletionRequestInput = {
    ...(effort ? { thinking_effort: effort } : {}),
    ...(constraint ? { structured_outputs: constraint } : {}),
    ...(body.temperature == null ? {} : { temperature: body.temperature }),
    ...(body.top_p == null ? {} : { top_p: body.top_p }),
    ...(body.top_k == null ? {} : { top_k: body.top_k }),
    ...(body.min_p == null ? {} : { min_p: body.min_p }),
    ...(body.seed == null ? {} : { seed: body.seed }),
    stream: body.stream === true,
  };
  return {
    request,
    model: body.model ?? undefined,
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    stop,
  };
}

/** Chat: the thinking is always returned (as reasoning_content), so include_thinking is set. */
export function chatToCompletionRequest(body: ChatCompletionRequest): MappedRequest {
  const mapped = common(body);
  const cap = body.max_completion_tokens ?? body.max_tokens;
  const messages = body.messages.map((m, i) => ({
    role: m.role === "developer" ? ("system" as const) : m.role,
    content: messageText(m, i),
  }));
  return {
    ...mapped,
    request: {
      ...mapped.request,
      messages,
      include_thinking: true,
      ...(cap == null ? {} : { max_answer_tokens: cap }),
    },
  };
}

export function textToCompletionRequest(body: TextCompletionRequest): MappedRequest {
  const mapped = common(body);
  const prompt =
    typeof body.prompt === "string" ? body.prompt : body.prompt.length === 1 ? body.prompt[0] : undefined;
  if (typeof prompt !== "string") {
    throw invalid("prompt", "give one prompt string (token-id prompts and batches are not supported)");
  }
  return {
    ...mapped,
    request: {
      ...mapped.request,
      prompt,
      ...(body.max_tokens == null ? {} : { max_answer_tokens: body.max_tokens }),
    },
  };
}
