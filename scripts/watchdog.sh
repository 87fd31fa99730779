#!/usr/bin/env bash
# supervisord event listener (PROCESS_STATE_EXITED, PROCESS_STATE_FATAL): when vLLM, the embeddings vLLM
# or the orchestrator dies for good, write FATAL_MARKER and stop supervisord, so that the entrypoint
# exits non-zero and the platform replaces the container. Programs that supervisord stops itself go to
# STOPPED, not EXITED, so an orderly shutdown does not trip this.
# Protocol (supervisor docs/events.rst): stdout carries only READY / RESULT; everything else goes to stderr.
set -u
# read -N counts characters; in the C locale that is bytes, which is what len: counts.
export LC_ALL=C
marker="${FATAL_MARKER:-/run/deliberate/fatal}"
while true; do
  printf 'READY\n'
  IFS= read -r header || exit 0
  len="${header##*len:}"
  len="${len%% *}"
  payload=""
  [ "$len" -gt 0 ] 2>/dev/null && IFS= read -r -N "$len" payload
  event="${header##*eventname:}"
  event="${event%% *}"
  case "$payload" in
    processname:vllm\ * | processname:vllm-embed\ * | processname:orchestrator\ *)
      name="${payload#processname:}"
      name="${name%% *}"
      echo "watchdog: $name is gone ($event: $payload); stopping the container" >&2
      printf '%s %s\n' "$event" "$payload" >"$marker"
      kill -TERM "$PPID"
      ;;
    *) echo "watchdog: ignoring $event: $payload" >&2 ;;
  esac
  printf 'RESULT 2\nOK'
done
