import { HostEngine } from "./core/engines/llamacpp/host/host-engine.js";
const t0 = performance.now();
const e = await HostEngine.start({ engine: { model: "demo", cacheDir: "/tmp/e1cache", concurrency: 2 }, log: (l, m, f) => console.log("LOG", l, m, JSON.stringify(f)), faults: true });
console.log("up in", performance.now() - t0, e.modelInfo(), e.status());
console.log(await e.health());
console.log(await e.countTokens("<|im_start|>user\nhi<|im_end|>"));
const out = await e.completion({ prompt: "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", maxTokens: 20, sampling: { temperature: 0.8, topP: 0.95, topK: 40, minP: 0, seed: 1 }, onDelta: (t) => process.stdout.write(`[${t}]`) });
console.log(out);
try { await e.prepareConstraint({ kind: "grammar", grammar: 'root ::= "a" SECRET {"x":1}\nfoo ::= ' }); } catch (err) { console.log("ERR", (err as Error).message); }
try { await e.countTokens("<|im_start|>".repeat(90000)); } catch (err) { console.log("ERR", (err as Error).message); }
const p = e.completion({ prompt: "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", maxTokens: 4000, constraint: { kind: "grammar", grammar: "root ::= [a-z ]{1500,}" }, sampling: { temperature: 0.8, topP: 0.95, topK: 40, minP: 0, seed: 1 } }).catch((err) => err);
await new Promise((r) => setTimeout(r, 300));
e.fault({ fault: "crash", signal: "SIGSEGV" });
console.log("crash ->", (await p).message);
e.events.once("up", (s) => console.log("UP", s));
console.log(await e.countTokens("hello"));
console.log(await e.health());
await e.close();
