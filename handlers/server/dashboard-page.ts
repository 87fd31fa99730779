/**
 * The live dashboard: one self-contained HTML page, vanilla JS, no build step. It polls
 * /dashboard/state with the key from its own query string and sends prompts over /ws/completions.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Deliberate dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  .figures { display: flex; gap: 2rem; margin-bottom: 1rem; }
  .figure b { display: block; font-size: 1.6rem; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
  textarea { width: 100%; height: 4rem; }
  pre { background: #f6f6f6; padding: .5rem; max-height: 20rem; overflow: auto; white-space: pre-wrap; }
  .bad { color: #b00; }
</style>
</head>
<body>
<h1>Deliberate <small id="model"></small></h1>
<div class="figures">
  <div class="figure"><b id="queued">–</b>queued</div>
  <div class="figure"><b id="running">–</b>running</div>
  <div class="figure"><b id="inflight">–</b>in flight</div>
  <div class="figure"><b id="cache">–</b>cached results</div>
</div>
<p id="status"></p>
<h2>Try a prompt</h2>
<textarea id="prompt">What is 17 * 23?</textarea>
<p>
  effort <select id="effort"><option>none</option><option selected>low</option><option>medium</option><option>high</option></select>
  <label><input type="checkbox" id="stream" checked> stream</label>
  <button id="send">Send</button>
</p>
<h3>Answer</h3>
<pre id="answer"></pre>
<h3>Events</h3>
<pre id="events"></pre>
<h2>Recent requests</h2>
<table>
  <thead><tr><th>when</th><th>job</th><th>via</th><th>effort</th><th>steps</th><th>tokens</th><th>ms</th><th>outcome</th></tr></thead>
  <tbody id="recent"></tbody>
</table>
<script>
"use strict";
const key = new URLSearchParams(location.search).get("api_key") || "";
const $ = (id) => document.getElementById(id);
let socket;
let counter = 0;

async function refresh() {
  try {
    const res = await fetch("/dashboard/state", { headers: { "x-api-key": key } });
    if (!res.ok) { $("status").textContent = "state: HTTP " + res.status + " (is ?api_key= set?)"; $("status").className = "bad"; return; }
    const s = await res.json();
    $("status").textContent = s.accepting ? "" : "shutting down";
    $("model").textContent = s.engine + " · " + s.model;
    $("queued").textContent = s.queued;
    $("running").textContent = s.running;
    $("inflight").textContent = s.inFlight;
    $("cache").textContent = s.cacheEntries;
    const body = $("recent");
    body.replaceChildren(...s.recent.map((r) => {
      const tr = document.createElement("tr");
      for (const v of [r.at.slice(11, 19), r.job_id.slice(0, 12), r.transport, r.effort ?? "", r.steps, r.tokens, r.ms, r.outcome + (r.cached ? " (cached)" : "")]) {
        const td = document.createElement("td");
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }));
  } catch (err) {
    $("status").textContent = "state: " + err;
  }
}

function log(line) {
  $("events").textContent += line + "\\n";
}

function connect() {
  return new Promise((resolve, reject) => {
    if (socket && socket.readyState === WebSocket.OPEN) return resolve(socket);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(scheme + "://" + location.host + "/ws/completions?api_key=" + encodeURIComponent(key));
    socket.onopen = () => resolve(socket);
    socket.onerror = () => reject(new Error("WebSocket failed (check the api_key)"));
    socket.onclose = (e) => log("socket closed " + e.code);
    socket.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "completion.delta") { $("answer").textContent += m.text; return; }
      if (m.type === "completion.step") {
        log(m.step + " " + m.status + (m.status === "completed" ? " (" + m.completion_tokens + " tokens, " + m.ms + " ms)" : ""));
        if (m.status === "started") $("answer").textContent += "\\n[" + m.step + "] ";
        return;
      }
      if (m.type === "completion.queued") log("queued at position " + m.position + " as " + m.job_id);
      else if (m.type === "completion.result") {
        log("result" + (m.result.cached ? " (cached)" : "") + ": " + m.result.usage.total_tokens + " tokens");
        $("answer").textContent += "\\n\\n=> " + (typeof m.result.output === "string" ? m.result.output : JSON.stringify(m.result.output));
      } else if (m.type === "error") log("error " + m.error.code + ": " + m.error.message);
      refresh();
    };
  });
}

$("send").onclick = async () => {
  $("answer").textContent = "";
  $("events").textContent = "";
  try {
    const ws = await connect();
    ws.send(JSON.stringify({
      type: "completion.create",
      id: "dash-" + (++counter),
      request: { prompt: $("prompt").value, thinking_effort: $("effort").value, stream: $("stream").checked },
    }));
  } catch (err) {
    log(String(err));
  }
};

refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
