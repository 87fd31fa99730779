/**
 * vLLM's continuous batching as the stand-in models it (`--max-num-seqs`): up to that many
 * completions generate at once, each as fast as alone (with --token-delay-ms, latency is flat up
 * to the batch size); the rest wait in arrival order. GET /metrics reports the two gauges vLLM's
 * scheduler exports, `vllm:num_requests_running` and `vllm:num_requests_waiting`.
 */
export class Batch {
  running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly maxNumSeqs: number) {}

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Resolves when the request has a slot in the batch; call the returned function once when it ends. */
  async enter(): Promise<() => void> {
    if (this.running >= this.maxNumSeqs) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiting request.
      if (next) next();
      else this.running--;
    };
  }

  /** Prometheus text with vLLM's gauge names. */
  metrics(model: string): string {
    const label = `{engine="0",model_name=${JSON.stringify(model)}}`;
    return [
      "# HELP vllm:num_requests_running Number of requests in model execution batches.",
      "# TYPE vllm:num_requests_running gauge",
      `vllm:num_requests_running${label} ${this.running}`,
      "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
      "# TYPE vllm:num_requests_waiting gauge",
      `vllm:num_requests_waiting${label} ${this.waiting.length}`,
      "",
    ].join("\n");
  }
}
