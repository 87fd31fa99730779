# syntax=docker/dockerfile:1
# Deliberate: one GPU image with vLLM (:8000, loopback), an optional embeddings vLLM (:8001, loopback)
# and the orchestrator (:8005) under supervisord. See BUILD_AND_DEPLOY.md.
#   docker build -t deliberate .
# Bump VLLM/Node by editing the tags below; tests (test/deploy/dockerfile.test.ts) insist they stay pinned.

# Node 22 from the official image: the build toolchain here, and the runtime binary copied into the vLLM image.
FROM node:22.23.2-bookworm-slim AS node

# --- build: npm ci with dev dependencies, then the esbuild bundles ---------------------------------------
FROM node AS build
WORKDIR /app
# The embedded llama.cpp engine is unused next to vLLM: skip its binary download/build at install.
ENV NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY core ./core
COPY handlers ./handlers
COPY infra ./infra
COPY scripts ./scripts
# dist/server.js and dist/runpod-worker.js (scripts/build.mjs); dist/deploy/*.cjs, the container's own tools
# (vLLM args, secrets loader, config check; infra/build.mjs).
RUN node scripts/build.mjs && node infra/build.mjs

# --- prod-deps: only production node_modules (the bundles keep native/optional packages external) -------
FROM node AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: node-llama-cpp's postinstall would fetch or compile llama.cpp, unused in this image.
# --omit=optional drops node-llama-cpp's prebuilt CPU/CUDA/Vulkan binaries (~680 MB) and the rm its
# llama.cpp sources: the image always runs vLLM, so the embedded engine is never started here.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force \
 && rm -rf node_modules/node-llama-cpp/llama

# --- runtime: the official vLLM image plus Node, supervisord and the bundles --------------------------------
FROM vllm/vllm-openai:v0.27.1 AS runtime

ARG IMAGE_SOURCE=https://github.com/OWNER/deliberate
ARG IMAGE_VERSION=dev
ARG IMAGE_REVISION=unknown
LABEL org.opencontainers.image.title="deliberate" \
      org.opencontainers.image.description="Budgeted, self-correcting chain of thought with schema-exact answers, in front of vLLM" \
      org.opencontainers.image.source="${IMAGE_SOURCE}" \
      org.opencontainers.image.version="${IMAGE_VERSION}" \
      org.opencontainers.image.revision="${IMAGE_REVISION}" \
      org.opencontainers.image.base.name="docker.io/vllm/vllm-openai:v0.27.1"

# supervisord into the image's own Python (3.12), not from apt: Ubuntu's package would pull in the distro
# python3 beside vLLM's and an old pkg_resources that fails on 3.12; supervisor >= 4.3 needs no setuptools.
# curl is already in the vLLM image (HEALTHCHECK, launcher).
RUN if command -v uv >/dev/null 2>&1; then uv pip install --system --no-cache supervisor==4.3.0; \
    else python3 -m pip install --no-cache-dir supervisor==4.3.0; fi \
 && command -v curl

COPY --from=node /usr/local/bin/node /usr/local/bin/node

ENV DELIBERATE_VERSION=${IMAGE_VERSION} \
    DELIBERATE_REVISION=${IMAGE_REVISION} \
    DELIBERATE_HOME=/opt/deliberate \
    DELIBERATE_RUN_DIR=/run/deliberate \
    FATAL_MARKER=/run/deliberate/fatal \
    NODE_ENV=production \
    ORCH_MODE=server \
    ORCH_PORT=8005
WORKDIR /opt/deliberate

COPY --from=prod-deps /app/node_modules ./node_modules
# package.json for "type": "module": the .js bundles are ESM.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
COPY supervisord.conf ./supervisord.conf
COPY scripts/entrypoint.sh scripts/watchdog.sh scripts/vllm-launch.sh ./scripts/
RUN chmod 0755 scripts/*.sh && node --version && supervisord --version

EXPOSE 8005
# /ready (no key needed) answers 200 only once vLLM is up and its canary passed; the model load can
# take many minutes, hence the long start period. The RunPod worker serves no HTTP: there, vLLM's own /health is checked.
HEALTHCHECK --interval=30s --timeout=5s --start-period=600s --retries=3 \
  CMD if [ "$(printf %s "$ORCH_MODE" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')" = runpod ]; \
      then curl -fsS -o /dev/null http://127.0.0.1:8000/health; \
      else curl -fsS -o /dev/null "http://127.0.0.1:${ORCH_PORT:-8005}/ready"; fi || exit 1

# Replaces vLLM's `vllm serve` entrypoint: arguments given to `docker run` are a command to run in the
# prepared environment instead of supervisord.
ENTRYPOINT ["/opt/deliberate/scripts/entrypoint.sh"]
CMD []
