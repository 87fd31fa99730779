/**
 * One WebSocket connection's protocol (README, Using it; /docs), independent of the socket library:
 * frames in through `handleFrame`, messages out through `send`. Several completions run at once,
 * matched by the client's id; each ends with exactly one `completion.result` or `error`.
 *
 * The progress frames of a request that did not ask to stream (`completion.queued`,
 * `completion.step`) are held for up to PROGRESS_HOLD_MS and leave with the socket's next frame:
 * each write to a socket costs a syscall and a wake-up of the reader, the largest share of the
 * server's CPU per pipeline (BENCHMARKS.md, goal 1). Order on the socket is unchanged.
 */
import type { CompletionService } from "../../core/completion-service.js";
import { DeliberateError, errorEnvelope } from "../../core/errors.js";
import { invalidRequest } from "../../core/invalid-request.js";
import { ClientMessage, type PipelineEvent, streamMessage } from "../../core/protocol.js";

export interface WsSessionOptions {
  service: CompletionService;
  maxInflight: number;
  maxFrameBytes: number;
  /** Sends one text frame; must not throw when the socket has gone. */
  send: (text: string) => void;
  transport?: string;
}

const cancelled = () => new DeliberateError("cancelled", "the request was cancelled by the client");

/** How late a progress frame of a request without `stream` may leave. */
export const PROGRESS_HOLD_MS = 50;

export class WsSession {
  /** Client id → its controller, created on first use: idle sockets stay small. */
  private inflight: Map<string, AbortController> | undefined;
  private closed = false;
  /** Progress frames waiting for the next frame or the hold timer, oldest first. */
  private held: string[] | undefined;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: WsSessionOptions) {}

  get inflightCount(): number {
    return this.inflight?.size ?? 0;
  }

  handleFrame(data: string | ArrayBuffer | Uint8Array, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary || typeof data !== "string") {
      this.error(
        undefined,
        new DeliberateError("invalid_request", "binary frames are not supported; send JSON text frames"),
      );
      return;
    }
    // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: measure exactly only when it matters.
    if (
      data.length * 3 > this.options.maxFrameBytes &&
      Buffer.byteLength(data) > this.options.maxFrameBytes
    ) {
      this.error(
        undefined,
        new DeliberateError(
          "payload_too_large",
          `frame is larger than ${this.options.maxFrameBytes} bytes (ORCH_MAX_BODY_BYTES)`,
        ),
      );
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      this.error(undefined, new DeliberateError("invalid_request", "frame is not valid JSON"));
      return;
    }
    const parsed = ClientMessage.safeParse(raw);
    if (!parsed.success) {
      const rawId = (raw as { id?: unknown } | null)?.id;
      const id = typeof rawId === "string" && rawId.length > 0 && rawId.length <= 128 ? rawId : undefined;
      this.error(id, invalidRequest(parsed.error));
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case "ping":
        this.send('{"type":"pong"}');
        return;
      case "completion.cancel":
        // Unknown or finished ids are ignored: a request never gets a second terminal message.
        this.inflight?.get(message.id)?.abort(cancelled());
        return;
      case "completion.create":
        this.create(message.id, message.request);
    }
  }

  /** The socket is gone: abort everything it started, send nothing more. */
  close(): void {
    this.closed = true;
    this.held = undefined;
    clearTimeout(this.holdTimer);
    if (!this.inflight) return;
    const reason = new DeliberateError("cancelled", "the client disconnected");
    for (const controller of this.inflight.values()) controller.abort(reason);
    this.inflight.clear();
  }

  private create(id: string, request: unknown): void {
    this.inflight ??= new Map();
    if (this.inflight.has(id)) {
      // Sent without `id`: the request already running under that id must still end with exactly
      // one terminal message of its own.
      this.error(
        undefined,
        new DeliberateError(
          "invalid_request",
          `id "${id}" is already in flight on this socket; this completion.create was ignored`,
          { param: "id" },
        ),
      );
      return;
    }
    if (this.inflight.size >= this.options.maxInflight) {
      this.error(
        id,
        new DeliberateError(
          "queue_full",
          `this socket already has ${this.options.maxInflight} requests in flight (ORCH_MAX_WS_INFLIGHT)`,
        ),
      );
      return;
    }
    const controller = new AbortController();
    this.inflight.set(id, controller);
    // A request that asked to stream wants its progress live; the service parses `stream` itself.
    const live = (request as { stream?: unknown } | null)?.stream === true;
    const progress = (text: string) => (live ? this.send(text) : this.hold(text));
    const onEvent = (event: PipelineEvent) => {
      if (!this.closed) progress(JSON.stringify(streamMessage(id, event)));
    };
    this.options.service
      .submit(request, {
        signal: controller.signal,
        transport: this.options.transport ?? "ws",
        onQueued: (position, jobId) => {
          if (!this.closed) {
            progress(JSON.stringify({ type: "completion.queued", id, job_id: jobId, position }));
          }
        },
        onEvent,
      })
      .then(
        (result) => {
          this.release(id, controller);
          if (!this.closed) this.send(JSON.stringify({ type: "completion.result", id, result }));
        },
        (err: unknown) => {
          this.release(id, controller);
          this.error(id, err, controller.signal);
        },
      );
  }

  /** Frees the id before its terminal message goes out, so the client may reuse it at once. */
  private release(id: string, controller: AbortController): void {
    if (this.inflight?.get(id) === controller) this.inflight.delete(id);
  }

  private error(id: string | undefined, err: unknown, signal?: AbortSignal): void {
    if (this.closed) return;
    const envelope = errorEnvelope(err, signal);
    this.send(JSON.stringify({ type: "error", ...(id === undefined ? {} : { id }), ...envelope }));
  }

  /** Sends now, after whatever progress is held (in one write, batched-send.ts). */
  private send(text: string): void {
    this.flush();
    this.options.send(text);
  }

  private hold(text: string): void {
    if (this.held === undefined) {
      this.held = [];
      this.holdTimer = setTimeout(() => this.flush(), PROGRESS_HOLD_MS);
    }
    this.held.push(text);
  }

  private flush(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    clearTimeout(this.holdTimer);
    for (const text of held) this.options.send(text);
  }
}
