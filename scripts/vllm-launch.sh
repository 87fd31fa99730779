#!/usr/bin/env bash
# supervisord's vLLM program: `vllm-launch.sh main|embed`. Builds the `vllm serve` arguments from the
# environment (dist/deploy/vllm-args.cjs, from scripts/vllm-args.ts) and execs vLLM, so supervisord
# signals vLLM itself. The embeddings role idles when EMBEDDING_MODEL is unset.
# VLLM_BIN replaces the `vllm` executable (the tests point it at the vLLM stand-in).
set -euo pipefail
role="${1:?usage: vllm-launch.sh main|embed}"
home="${DELIBERATE_HOME:-/opt/deliberate}"

set +e
words="$(node "$home/dist/deploy/vllm-args.cjs" "$role")"
code=$?
set -e
case "$code" in
  0) ;;
  3) exec sleep infinity ;; # role disabled: an idle placeholder keeps the program set fixed
  *) exit "$code" ;;
esac

if [ "$role" = embed ]; then
  # Start after the main server is healthy: two vLLMs profiling GPU memory at once misjudge what is free.
  echo "vllm-launch: embed waits for the main vLLM to be healthy" >&2
  until curl -fsS -o /dev/null --max-time 2 "${VLLM_URL:-http://127.0.0.1:8000}/health" 2>/dev/null; do sleep 2; done
fi

eval "set -- $words"
# The arguments hold no secrets (HF_TOKEN and VLLM_API_KEY stay in the environment), so log them.
echo "vllm-launch: ${VLLM_BIN:-vllm} serve $*" >&2
exec "${VLLM_BIN:-vllm}" serve "$@"
