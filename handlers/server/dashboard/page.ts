/** The dashboard's HTML shell: static, no data, no key; client/main.ts fills it in. */
export const DASHBOARD_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Deliberate dashboard</title>
<style>
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#f3f4f6;color:#111}
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1rem;background:#1f2937;color:#fff;flex-wrap:wrap;gap:.5rem}
header h1{font-size:1.1rem;margin:0}main{padding:1rem;display:grid;gap:1rem;max-width:1400px;margin:0 auto}
section{background:#fff;border-radius:8px;padding:.8rem 1rem;box-shadow:0 1px 2px #0002;min-width:0}
h2{font-size:1rem;margin:0 0 .5rem}.row{display:flex;gap:1rem;flex-wrap:wrap}
.stat{flex:1;min-width:7rem}.stat b{display:block;font-size:1.6rem}.muted{color:#6b7280}
.ok{color:#047857}.bad{color:#b91c1c}#charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem}
.chart{min-width:0;overflow:hidden}.chart h3{font-size:.85rem;margin:0 0 .3rem}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #e5e7eb;white-space:nowrap}
#recent tr{cursor:pointer}#recent tr:hover{background:#f9fafb}.err{white-space:normal;color:#b91c1c;max-width:28rem}
textarea,input,select,button{font:inherit}textarea{width:100%;min-height:4rem}label{margin-right:.6rem}
.steps{display:grid;gap:.5rem}.step pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;padding:.4rem;margin:.2rem 0;max-height:14rem;overflow:auto}
.bar{height:14px;background:#2563eb;border-radius:3px;min-width:2px}.bar.queued{background:#9ca3af}.bar.failed{background:#b91c1c}
.timeline td{white-space:normal}#job{display:none}#job.open{display:block}#keyform{display:flex;gap:.4rem;flex-wrap:wrap}
@media (max-width:700px){#recent thead{display:none}#recent tr{display:block;border-bottom:1px solid #e5e7eb;padding:.3rem 0}
#recent td{display:inline-block;border:0;padding:.1rem .4rem}#recent td.err{display:block}}
</style></head><body>
<header><h1>Deliberate</h1><form id="keyform"><input id="key" type="password" autocomplete="off" placeholder="API key"
aria-label="API key"><button>Use key</button><span id="keystate" class="muted"></span></form></header>
<main>
<section id="enginecard"><h2>Engine</h2><div id="engine" class="muted">waiting for the key…</div></section>
<section><div class="row">
<div class="stat"><span class="muted">queued</span><b id="queued">–</b></div>
<div class="stat"><span class="muted">running</span><b id="running">–</b></div>
<div class="stat"><span class="muted">in flight</span><b id="inflight">–</b></div>
<div class="stat"><span class="muted">cached results</span><b id="cacheentries">–</b></div></div></section>
<section><h2>Last 15 minutes</h2><div id="charts"></div></section>
<section id="try"><h2>Try it</h2>
<textarea id="prompt" placeholder="Ask something">Is 221 a prime number?</textarea>
<div class="row"><label>effort <select id="effort"><option>none</option><option selected>low</option><option>medium</option><option>high</option></select></label>
<label>constraint <select id="kind"><option value="">free text</option><option>json</option><option>regex</option><option>choice</option><option>grammar</option></select></label>
<label><input type="checkbox" id="stream" checked> stream</label>
<button id="send">Send</button><button id="cancel" disabled>Cancel</button></div>
<textarea id="constraint" placeholder="the constraint" hidden></textarea>
<div id="answer" class="steps"></div><pre id="events" class="muted"></pre></section>
<section id="job"><h2>Job <span id="jobid"></span> <button id="closejob">close</button></h2><div id="jobbody"></div></section>
<section><h2>Recent requests</h2><table id="recent"><thead><tr><th>time</th><th>job</th><th>via</th><th>effort</th>
<th>steps</th><th>tokens</th><th>ms</th><th>outcome</th><th>error</th></tr></thead><tbody></tbody></table></section>
</main><script src="/dashboard/app.js"></script></body></html>`;
