# One image for the three services; docker-compose picks the command per service.
# Node 24 is the LTS line in support (20 reached its end of life in April 2026); the
# lock file also installs on Node 20.19+, which development machines may still run.
FROM node:24.11.1-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
COPY shared ./shared
RUN npm run build && npm prune --omit=dev

FROM node:24.11.1-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The embedded store and the generated API key live here when MONGO_URL is unset.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
CMD ["node", "dist/services/receiver/main.js"]
