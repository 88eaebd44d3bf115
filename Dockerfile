# syntax=docker/dockerfile:1
#
# One image recipe for every Premonitor service. The service is chosen by SERVICE, the name of
# a folder under services/ that builds to services/<SERVICE>/dist/main.js:
#
#   docker build --build-arg SERVICE=ingest -t premonitor-ingest .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/premonitor:TAG --push .
#
# Built without SERVICE, the image holds every service and SERVICE must be set at run time
# (that is how deploy/k8s uses it: one image, `SERVICE` set per workload). Adding a service
# needs no change here: give it services/<name>/src/main.ts and pass SERVICE=<name>.
#
# Multi-arch: glibc (bookworm) base, because onnxruntime-node ships prebuilt CPU binaries
# for linux/x64 and linux/arm64 glibc, not musl. The build stage runs on the target
# platform (emulated under buildx) so node_modules always match the runtime architecture.

# Node 22 LTS (Node 20 is out of support); the code also runs on Node 20 (engines ">=20").
# Pinned to a release so a rebuild gets the same runtime; raise it deliberately.
ARG NODE_IMAGE=node:22.11.0-bookworm-slim

# --- manifests: only the files `npm ci` reads -------------------------------------------------
# Copies the context, then deletes everything but package.json / package-lock.json / .npmrc.
# The result only changes when a manifest changes, so the `npm ci` layer below stays cached
# across source edits, and new workspaces under libs/ or services/ are picked up without
# listing them here.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -mindepth 1 -type d -empty -delete

# --- build: install, compile, drop dev dependencies ----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /src/ ./
# .npmrc carries onnxruntime-node-install=skip: the CPU binaries are in the npm package; the
# install script would only download GPU providers. Optional native dev dependencies of
# testcontainers (ssh2, cpu-features) fail to compile here without a toolchain; npm
# tolerates that, and they are pruned below anyway.
# (The env var says the same, in case a future npm stops passing unknown .npmrc keys on.)
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund
COPY . .
# Build the workspaces only (the root tsconfig also references test/, which the image does
# not need and .dockerignore leaves out). .dockerignore drops every *.tsbuildinfo so
# `tsc -b` cannot consider a project up to date and skip emitting its dist/.
RUN npx tsc -b libs/* services/*
RUN npm prune --omit=dev --no-audit --no-fund
# Assemble exactly what runs: root manifests and node_modules (the @premonitor/* entries are
# relative symlinks into libs/ and services/), and per workspace its package.json, dist/,
# node_modules/ if npm had to nest one, and web/ (the console's page and style sheet).
RUN set -eu; \
    mkdir -p /out; \
    cp -a package.json package-lock.json node_modules /out/; \
    for ws in libs/* services/*; do \
      [ -f "$ws/package.json" ] || continue; \
      mkdir -p "/out/$ws"; \
      cp -a "$ws/package.json" "/out/$ws/"; \
      for d in dist node_modules web; do \
        if [ -d "$ws/$d" ]; then cp -a "$ws/$d" "/out/$ws/"; fi; \
      done; \
    done

# --- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root (read-only for the app); the process runs as the image's `node`
# user. Numeric so Kubernetes `runAsNonRoot` can verify it.
# The shipped ONNX models (/app/models/{kind}.onnx, plus acoustic.int8.onnx for small edge
# devices): model-sync registers them with SEED_MODELS_DIR=/app/models; the edge agent's
# EDGE_SEED_MODELS_DIR default (../../../models from its dist/) resolves to the same folder.
COPY models/*.onnx ./models/
COPY --from=build /out/ ./
# Writable state lives under /data, owned by uid 1000: a Docker named volume mounted on
# /data/... starts as a copy of this folder, owner included, so the non-root services can write
# there (compose: MODEL_STORE_DIR=/data/models, FORECAST_MODEL_DIR=/data/forecast, model-sync's
# signing key in /data/keys, private to the user). Kubernetes mounts PVCs and secrets here instead.
RUN mkdir -p /data/models /data/forecast /data/keys && chmod 700 /data/keys && chown -R 1000:1000 /data
USER 1000:1000

# Declared late so every service shares all layers above.
ARG SERVICE=""
ENV SERVICE=${SERVICE}
RUN if [ -n "$SERVICE" ] && [ ! -f "services/$SERVICE/dist/main.js" ]; then \
      echo "SERVICE=$SERVICE: services/$SERVICE/dist/main.js was not built; services with a main.js:" >&2; \
      ls services/*/dist/main.js >&2 || true; \
      exit 1; \
    fi

# Every HTTP service listens on HTTP_PORT (default 8080) and serves /healthz, /readyz, /metrics.
EXPOSE 8080
# No curl in the slim image: use Node's global fetch. Liveness only (/healthz); readiness is
# /readyz, used by Kubernetes probes and by compose where ordering matters. A service without
# an HTTP server (edge-agent) must disable this check (compose: `healthcheck: disable: true`).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || '8080') + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# `exec` so node is PID 1 and receives SIGTERM directly (the services drain on SIGTERM).
CMD ["sh", "-c", "exec node services/${SERVICE:?set SERVICE to a folder under services/}/dist/main.js"]
