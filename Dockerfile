# syntax=docker/dockerfile:1

# Build stage: native addons (better-sqlite3, pkcs11js) compile here, with dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# A TLS-intercepting proxy between the build and the npm registry needs its CA:
#   docker build --build-arg EXTRA_CA_CERTS="$(cat corp-ca.pem)" .
# It is trusted by this stage's npm (and the prebuilt-binary download) only; the runtime image never sees it.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" > /tmp/extra-ca.pem && export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; \
    fi \
 && npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY schemas ./schemas
COPY test ./test
RUN npm run build && npm prune --omit=dev

# Runtime stage: only what serving needs, as the unprivileged `node` user.
FROM node:20-bookworm-slim
# SECRETS_TOKEN_FILE lets `docker exec <container> scoped-secrets …` use the root token a first start wrote.
ENV NODE_ENV=production \
    SECRETS_HOST=0.0.0.0 \
    SECRETS_PORT=8080 \
    SECRETS_TOKEN_FILE=/var/lib/scoped-secrets/data/root.token
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/console ./dist/console
# The single-file client every server hands out at /cli/scoped-secrets.mjs.
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/dist/migrations ./dist/migrations
COPY --from=build /app/schemas ./schemas
RUN ln -s /app/dist/src/main.js /usr/local/bin/scoped-secrets \
 && mkdir -p /var/lib/scoped-secrets/data \
 && chown -R node:node /var/lib/scoped-secrets \
 && chmod 700 /var/lib/scoped-secrets/data
# ./data (keyring, SQLite database with the signing keys, root token) lives in the volume.
WORKDIR /var/lib/scoped-secrets
VOLUME ["/var/lib/scoped-secrets/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/main.js"]
CMD ["serve"]
