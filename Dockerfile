# One image for every Skyhook process; docker-compose.yml picks the entry point per service.
FROM node:20-bookworm-slim
RUN npm install -g pnpm@12.4.2 && npm cache clean --force
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY apps apps
COPY packages packages
# tsx runs the TypeScript sources directly (see docs/decisions.md), so it is installed here too.
RUN pnpm install --frozen-lockfile && chown -R node:node /app
USER node
ENV NODE_ENV=production
CMD ["node", "--import", "tsx", "apps/ingress/src/main.ts"]
