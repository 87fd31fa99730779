/** The try-it panel: one request over the WebSocket, its answer shown per step, cancellable. */
import { $, apiKey, text } from "./api.js";

const EXAMPLES: Record<string, string> = {
  json: JSON.stringify(
    { type: "object", properties: { prime: { type: "boolean" } }, required: ["prime"] },
    null,
    1,
  ),
  regex: "(yes|no)",
  choice: "yes, no",
  grammar: 'root ::= "yes" | "no"',
};
const LABELS: Record<string, string> = {
  think: "thinking",
  draft: "draft",
  reflect: "reflection",
  final: "final answer",
};

let socket: WebSocket | undefined;
let counter = 0;
let current: string | undefined;

function constraint(kind: string, value: string): Record<string, unknown> | undefined {
  if (!kind) return undefined;
  if (kind === "json") return { json: JSON.parse(value) };
  if (kind === "choice")
    return {
      choice: value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    };
  return { [kind]: value };
}

function stepBox(step: string): HTMLElement {
  let box = document.getElementById(`step-${step}`);
  if (!box) {
    box = document.createElement("div");
    box.id = `step-${step}`;
    box.className = "step";
    box.append(text("b", LABELS[step] ?? step), document.createElement("pre"));
    $("answer").append(box);
  }
  return box.querySelector("pre")!;
}

function log(line: string): void {
  $("events").textContent += `${line}\n`;
}

function open(): Promise<WebSocket> {
  if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
  const url = `${location.origin.replace(/^http/, "ws")}/ws/completions?api_key=${encodeURIComponent(apiKey() ?? "")}`;
  const ws = new WebSocket(url);
  ws.addEventListener("message", (e) => onMessage(JSON.parse(String(e.data))));
  ws.addEventListener("close", () => {
    if (current) log("connection closed");
    finish();
  });
  socket = ws;
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve(ws), { once: true });
    ws.addEventListener(
      "error",
      () => reject(new Error("the WebSocket could not connect (is the key right?)")),
      { once: true },
    );
  });
}

function finish(): void {
  current = undefined;
  ($("send") as HTMLButtonElement).disabled = false;
  ($("cancel") as HTMLButtonElement).disabled = true;
}

function onMessage(m: { type: string; id?: string; [k: string]: unknown }): void {
  if (m.id !== current) return;
  if (m.type === "completion.queued") log(`queued at position ${m.position}`);
  else if (m.type === "completion.step")
    log(
      `${m.step} ${m.status}${m.status === "completed" ? ` · ${m.completion_tokens} tokens · ${Math.round(Number(m.ms))} ms` : ""}`,
    );
  else if (m.type === "completion.delta") stepBox(String(m.step)).textContent += String(m.text);
  else if (m.type === "completion.result") {
    const r = m.result as {
      text: string;
      draft: string | null;
      thinking?: { think: string; reflect: string | null };
    };
    if (r.thinking?.think) stepBox("think").textContent = r.thinking.think;
    if (r.draft !== null) stepBox("draft").textContent = r.draft;
    if (r.thinking?.reflect) stepBox("reflect").textContent = r.thinking.reflect;
    stepBox("final").textContent = r.text;
    log("done");
    finish();
  } else if (m.type === "error") {
    const e = m.error as { code: string; message: string };
    log(`error ${e.code}: ${e.message}`);
    finish();
  }
}

export function installTryIt(): void {
  const kind = $("kind") as HTMLSelectElement;
  const editor = $("constraint") as HTMLTextAreaElement;
  kind.addEventListener("change", () => {
    editor.hidden = kind.value === "";
    editor.value = EXAMPLES[kind.value] ?? "";
  });
  $("send").addEventListener("click", async () => {
    $("answer").replaceChildren();
    $("events").textContent = "";
    let structured: Record<string, unknown> | undefined;
    try {
      structured = constraint(kind.value, editor.value);
    } catch (err) {
      log(`the constraint is not valid JSON: ${(err as Error).message}`);
      return;
    }
    try {
      const ws = await open();
      current = `try-${++counter}`;
      ($("send") as HTMLButtonElement).disabled = true;
      ($("cancel") as HTMLButtonElement).disabled = false;
      ws.send(
        JSON.stringify({
          type: "completion.create",
          id: current,
          request: {
            prompt: ($("prompt") as HTMLTextAreaElement).value,
            thinking_effort: ($("effort") as HTMLSelectElement).value,
            stream: ($("stream") as HTMLInputElement).checked,
            include_thinking: true,
            ...(structured ? { structured_outputs: structured } : {}),
          },
        }),
      );
    } catch (err) {
      log((err as Error).message);
      finish();
    }
  });
  $("cancel").addEventListener("click", () => {
    if (current && socket) socket.send(JSON.stringify({ type: "completion.cancel", id: current }));
  });
}
