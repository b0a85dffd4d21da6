# One image for every Skyhook process, built once: docker-compose.yml and the Kubernetes
# manifests (deploy/kubernetes) pick the entry point per service, and the operators' CLI is in
# it too (`node apps/cli/src/main.ts ledger`). Node 24 runs the TypeScript sources itself (type
# stripping): no build step, and neither tsx nor a compiler at run time. The code keeps running
# on Node 20 with tsx for development and the test suite.
# test/deployment.test.ts checks this file; test/node24-runtime.test.ts runs the code the way
# this image does.
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies only. pnpm stays in this stage: the image runs without it.
FROM ${NODE_IMAGE} AS deps
RUN npm install -g pnpm@12.4.2
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .pnpmfile.cjs ./
COPY apps apps
COPY packages packages
RUN pnpm install --prod --frozen-lockfile

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the process: it writes nothing beside itself.
COPY --from=deps /app /app
# The image's `node` user, by number so Kubernetes' runAsNonRoot can check it.
USER 1000:1000
EXPOSE 8080 3001 9464
CMD ["node", "apps/ingress/src/main.ts"]
