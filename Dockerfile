# incident-operator image (multi-stage). Not built by CI: this machine has no Docker engine; the build
# stage runs the same `npm ci` + `npm run build` that CI exercises.
# Node 20 is past end of life: images ship on Node 24 (LTS); the code also runs on Node 20 and 22.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER 65532:65532
# 8081 probes, 8080 metrics; the Alertmanager intake (ALERTMANAGER_PORT) only when a token is configured.
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/main.js"]
