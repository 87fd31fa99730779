#!/usr/bin/env bash
# Container entry: load secrets, fill in the container's wiring, validate everything, then run supervisord
# and turn "a program died" into a non-zero exit (supervisord itself exits 0 either way).
#
#   entrypoint.sh            run vLLM + orchestrator under supervisord (the image's default)
#   entrypoint.sh CMD ARGS   run CMD in the same prepared, validated environment (debugging, one-off jobs)
#
# Paths come from DELIBERATE_HOME (default /opt/deliberate) so the tests can run this very script on a
# developer machine with the repository as the home.
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

export DELIBERATE_HOME="${DELIBERATE_HOME:-/opt/deliberate}"
tools="$DELIBERATE_HOME/dist/deploy"
node_bin="${DELIBERATE_NODE:-node}"

# 1. Secrets: ORCH_SECRETS_ID names a Secrets Manager secret whose variables are exported here, before
#    anything else reads the environment. Variables already set (e.g. injected by ECS) win.
if [ -n "${ORCH_SECRETS_ID:-}" ]; then
  if ! exports="$("$node_bin" --no-warnings "$tools/secrets.cjs")"; then
    log "could not load secrets from ORCH_SECRETS_ID; not starting"
    exit 1
  fi
  eval "$exports"
  unset exports
fi

# 2. Wiring inside the container: the orchestrator talks to the vLLM servers on loopback.
export VLLM_URL="${VLLM_URL:-http://127.0.0.1:8000}"
if [ -n "${EMBEDDING_MODEL:-}" ]; then
  export VLLM_EMBEDDINGS_URL="${VLLM_EMBEDDINGS_URL:-http://127.0.0.1:8001}"
fi
case "$(echo "${ORCH_MODE:-server}" | tr '[:upper:]' '[:lower:]' | tr -d '[:space:]')" in
  runpod) entry=runpod-worker.js ;;
  *) entry=server.js ;;
esac
export DELIBERATE_ORCH_ENTRY="${DELIBERATE_ORCH_ENTRY:-$DELIBERATE_HOME/dist/$entry}"
export DELIBERATE_RUN_DIR="${DELIBERATE_RUN_DIR:-/run/deliberate}"
export FATAL_MARKER="${FATAL_MARKER:-$DELIBERATE_RUN_DIR/fatal}"
export DELIBERATE_SUPERVISORD_CONF="${DELIBERATE_SUPERVISORD_CONF:-$DELIBERATE_HOME/supervisord.conf}"
export DELIBERATE_SUPERVISOR_USER="${DELIBERATE_SUPERVISOR_USER:-$(id -un)}"
# supervisord waits this long for the orchestrator's drain before SIGKILL: ORCH_DRAIN_S plus slack for
# closing sockets. (ORCH_DRAIN_S itself is validated below; here only its whole seconds matter.)
drain="${ORCH_DRAIN_S:-30}"
drain="${drain%%.*}"
case "$drain" in '' | *[!0-9]*) drain=30 ;; esac
export DELIBERATE_ORCH_STOPWAIT_S="${DELIBERATE_ORCH_STOPWAIT_S:-$((drain + 15))}"
export DELIBERATE_VLLM_STOPWAIT_S="${DELIBERATE_VLLM_STOPWAIT_S:-30}"

# 3. Validate the orchestrator's config and both vLLM command lines; every problem is listed at once.
if ! "$node_bin" --no-warnings "$tools/check-config.cjs" >&2; then
  log "invalid configuration; not starting"
  exit 1
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

# 4. supervisord, wrapped: the watchdog listener writes FATAL_MARKER and stops supervisord when a program
#    dies for good; supervisord then exits 0, so the marker is what makes this exit non-zero.
mkdir -p "$DELIBERATE_RUN_DIR" "$(dirname "$FATAL_MARKER")"
rm -f "$FATAL_MARKER"
set +e
supervisord -n -c "$DELIBERATE_SUPERVISORD_CONF" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
wait "$pid"
code=$?
# A trapped signal interrupts wait; wait again until supervisord has really finished its stop sequence.
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  code=$?
done
if [ -f "$FATAL_MARKER" ]; then
  log "stopped because a program died: $(cat "$FATAL_MARKER")"
  exit 1
fi
log "supervisord exited with $code"
exit "$code"
