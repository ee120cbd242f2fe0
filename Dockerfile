# Shipshape's image: the compiled server (npm run build) on Node 24 with production dependencies
# only, run as the numeric non-root UID 65532, writing nothing (a read-only root file system works).
#
# The bases are build arguments with public defaults. Where no registry is reachable,
# scripts/build-image.sh makes both locally (a debootstrap rootfs and the Node 24 binary of the npm
# `node` package) and builds this same file with podman.
ARG BUILD_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=node:24-bookworm-slim

# Production dependencies only. --ignore-scripts: no dependency needs an install script (the `node`
# package's, which downloads a Node binary, is a devDependency and not installed here anyway).
# The optional secret `npm-ca` is a CA bundle for a TLS-intercepting proxy in front of the npm
# registry (`--secret id=npm-ca,src=FILE`); scripts/build-image.sh passes npm's own cafile.
FROM ${BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=shipshape-npm,target=/root/.npm \
    --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi && \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# jemalloc, the allocator the Deployment preloads (LD_PRELOAD, src/manifests/deployment.ts):
# Debian's libjemalloc2, installed unless the build base has it (scripts/build-image.sh's does).
# The library needs only what Node links already.
FROM ${BUILD_IMAGE} AS jemalloc
RUN if [ ! -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then \
      apt-get update && apt-get install -y --no-install-recommends libjemalloc2 && rm -rf /var/lib/apt/lists/*; \
    fi

# The compiler and its types, then dist/ (tsc without npm run, so no devDependency's binary is needed).
FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,id=shipshape-npm,target=/root/.npm \
    --mount=type=secret,id=npm-ca \
    if [ -f /run/secrets/npm-ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm-ca; fi && \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY webhooks/ webhooks/
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="shipshape" \
      org.opencontainers.image.description="Kubernetes admission webhook and operator for WebApps, in one TypeScript HTTPS server" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
WORKDIR /app
# Owned by root and not writable by the process.
COPY --from=jemalloc /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
COPY --from=jemalloc /usr/share/doc/libjemalloc2/copyright /usr/share/doc/libjemalloc2/copyright
COPY --from=deps /app/node_modules/ /app/node_modules/
COPY --from=build /app/dist/ /app/dist/
ENV NODE_ENV=production
USER 65532:65532
EXPOSE 9443 9090
# Exec form: Node is PID 1 and receives SIGTERM itself (it releases the Lease, then exits).
# No --enable-source-maps: it parses every dependency's maps as well (measured: +190 ms to start,
# +30 MiB idle). dist/ keeps its maps; NODE_OPTIONS=--enable-source-maps turns them on to debug.
ENTRYPOINT ["/usr/local/bin/node", "--import", "/app/dist/src/telemetry/register.js", "/app/dist/src/main.js"]
