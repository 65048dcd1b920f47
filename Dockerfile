# syntax=docker/dockerfile:1
#
# Runtime images of the bundled Knative Serving control plane.
#
#   docker build --target controller -t ghcr.io/cdk8s-knative/serving-controller:$(node -p 'require("./package.json").version') .
#   docker build --target ingress    -t ghcr.io/cdk8s-knative/serving-ingress:$(node -p 'require("./package.json").version') .
#   docker build --target webhook    -t ghcr.io/cdk8s-knative/serving-webhook:$(node -p 'require("./package.json").version') .
#
# The tags must equal the package version: ServingControlPlane's default images are
# <imageRegistry>/serving-{controller,ingress,webhook}:<package.json version>.
#
# Stage "build" runs `npm ci` and `npm run build:runtime` (scripts/build-runtime.mjs: esbuild
# bundles src/runtime/*/main.ts into dist/runtime/{controller,ingress,webhook}.js, all dependencies
# inlined). The final stages hold node + one bundle and nothing else (no npm, no shell).

ARG NODE_BUILD_IMAGE=node:20-alpine
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

# ---------------------------------------------------------------------------- build
FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build-runtime.mjs scripts/
COPY src/ src/
RUN node scripts/build-runtime.mjs \
 && test -f dist/runtime/controller.js \
 && test -f dist/runtime/ingress.js \
 && test -f dist/runtime/webhook.js

# ---------------------------------------------------------------------------- common base
FROM ${NODE_RUNTIME_IMAGE} AS base
WORKDIR /app
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    SYSTEM_NAMESPACE=knative-serving \
    CLUSTER_DOMAIN=cluster.local
# Same uid/gid as the pod securityContext (runAsUser/runAsGroup 65532, runAsNonRoot).
USER 65532:65532
# The distroless node image has no `node` on PATH; call the binary by its path.
ENTRYPOINT ["/nodejs/bin/node"]
LABEL org.opencontainers.image.source="https://github.com/cdk8s-knative/cdk8s-knative-serving" \
      org.opencontainers.image.licenses="Apache-2.0"

# ---------------------------------------------------------------------------- ingress
FROM base AS ingress
COPY --from=build --chown=0:0 /src/dist/runtime/ingress.js /src/dist/runtime/ingress.js.map /app/
LABEL org.opencontainers.image.title="cdk8s-knative-serving ingress"
# 8080: HTTP proxy; 9000: admin (/healthz, /readyz, /metrics).
EXPOSE 8080 9000
CMD ["/app/ingress.js"]

# ---------------------------------------------------------------------------- webhook
FROM base AS webhook
COPY --from=build --chown=0:0 /src/dist/runtime/webhook.js /src/dist/runtime/webhook.js.map /app/
LABEL org.opencontainers.image.title="cdk8s-knative-serving admission webhook"
# 8443: AdmissionReviews (HTTPS); 8080: admin (/healthz, /readyz, /metrics).
EXPOSE 8443 8080
CMD ["/app/webhook.js"]

# ---------------------------------------------------------------------------- controller (default target)
FROM base AS controller
COPY --from=build --chown=0:0 /src/dist/runtime/controller.js /src/dist/runtime/controller.js.map /app/
LABEL org.opencontainers.image.title="cdk8s-knative-serving controller"
# 8080: admin (/healthz, /readyz, /metrics).
EXPOSE 8080
CMD ["/app/controller.js"]
