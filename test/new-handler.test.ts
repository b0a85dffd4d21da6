import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pnpmCommand } from "@skyhook/cli";
import { defaultCatalog, knownOperations } from "@skyhook/contracts";
import { createSendingNode, envelope, pnrPayload } from "@skyhook/spotnana-sender";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devClient, startIngress } from "./support/in-process.ts";
import { repoRoot } from "./support/processes.ts";
import { connect, deletePrefix, uniquePrefix } from "./support/redis.ts";
import { waitFor } from "./support/wait-for.ts";

/**
 * Adds a handler exactly as the README says, in a copy of this checkout: `./scripts/skyhook
 * new-handler PNR_V3 <an operation with no handler yet>` (BOOKING_TICKETED until someone adds
 * it), nothing else edited. Then the copy type-checks and
 * lints, the tests that list handlers pass, and the new handler runs end to end behind an
 * ingress that was started before it existed. pnpm is run the way the quick start runs it
 * (through npx when it is not installed), and the CLI inherits an `INIT_CWD` naming this
 * checkout, as it does under npx: the copy must change, never this checkout.
 */
const operation =
  knownOperations.PNR_V3.find((op) => defaultCatalog.route("PNR_V3", op).spec === undefined) ??
  "SKYHOOK_TEST_OPERATION";
const dir = operation.toLowerCase().replace(/_/g, "-");
const copy = mkdtempSync(join(tmpdir(), "skyhook-new-handler-"));
const prefix = uniquePrefix("newhandler");
const redis = connect();

async function run([command, ...args]: string[], env: Record<string, string> = {}) {
  if (command === undefined) throw new Error("no command");
  const child = spawn(command, args, {
    cwd: copy,
    env: { ...process.env, CI: "true", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    output += c.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

const gitStatus = (cwd: string) =>
  execFileSync("git", ["status", "--porcelain"], { cwd, encoding: "utf8" });

beforeAll(async () => {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
    cwd: repoRoot,
    encoding: "utf8",
  })
    .split("\0")
    .filter((f) => f !== "");
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      copyFileSync(join(repoRoot, file), join(copy, file));
    } catch {
      // A file deleted in the working tree but still tracked: the copy goes without it.
    }
  }
  const installed = await run([
    ...pnpmCommand(copy),
    "install",
    "--prefer-offline",
    "--frozen-lockfile",
  ]);
  expect(installed.code, installed.output).toBe(0);
}, 180_000);

afterAll(async () => {
  rmSync(copy, { recursive: true, force: true });
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe("adding a handler with skyhook new-handler", () => {
  it("scaffolds, registers and installs it; the copy checks and its handler tests pass", async () => {
    const before = gitStatus(repoRoot);
    const made = await run(["scripts/skyhook", "new-handler", "PNR_V3", operation], {
      INIT_CWD: repoRoot,
    });
    expect(made.code, made.output).toBe(0);
    expect(made.output).toContain(`packages/handlers/${dir}/src/${dir}-handler.ts`);
    expect(gitStatus(repoRoot), "this checkout is unchanged").toBe(before);
    expect(readFileSync(join(copy, "docker-compose.yml"), "utf8")).toContain(
      `WORKER_OPERATIONS: PNR_V3/${operation}`,
    );
    expect(readFileSync(join(copy, "deploy/kubernetes/base/kustomization.yaml"), "utf8")).toContain(
      `- workers/${dir}`,
    );
    expect(existsSync(join(copy, `deploy/kubernetes/base/workers/${dir}/kustomization.yaml`))).toBe(
      true,
    );
    const again = await run([
      "scripts/skyhook",
      "new-handler",
      "PNR_V3",
      operation,
      "--no-install",
    ]);
    expect(again.code).toBe(1);
    expect(again.output).toContain("already has a handler");

    const check = await run([...pnpmCommand(copy), "run", "check"]);
    expect(check.code, check.output).toBe(0);
    const tests = await run([
      ...pnpmCommand(copy),
      "exec",
      "vitest",
      "run",
      `packages/handlers/${dir}`,
      "apps/worker/src/config.test.ts",
      "test/deployment.test.ts",
      "test/kubernetes.test.ts",
      "test/dependency-rules.test.ts",
      "packages/contracts",
    ]);
    expect(tests.code, tests.output).toBe(0);
    expect(tests.output).toContain(`${dir}-handler.test.ts`);
  }, 240_000);

  it("runs the new handler end to end behind an ingress that predates it", async () => {
    const ingress = await startIngress({ QUEUE_PREFIX: prefix, ROUTES_REFRESH_MS: "200" });
    const client = createSendingNode({
      url: ingress.baseUrl,
      auth: { mode: "oauth", ...devClient },
    });
    const early = await client.deliver(envelope(operation, pnrPayload({ pnrId: "PNR-EARLY" })));
    expect(early.status).toBe(200);

    const worker = spawn(process.execPath, ["--import", "tsx", "apps/worker/src/main.ts"], {
      cwd: copy,
      env: {
        ...process.env,
        NODE_ENV: "test",
        LOG_LEVEL: "info",
        QUEUE_PREFIX: prefix,
        WORKER_OPERATIONS: `PNR_V3/${operation}`,
        OPS_PORT: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    worker.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    worker.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    try {
      const received = (pnrId: string) => {
        if (worker.exitCode !== null) throw new Error(`the worker exited:\n${output}`);
        return output
          .split("\n")
          .some((line) => line.includes(`"${operation} received"`) && line.includes(pnrId));
      };
      await waitFor(
        "the early event adopted and handled",
        () => (received("PNR-EARLY") ? true : undefined),
        30_000,
      );
      await waitFor(
        "a new delivery routed to the new queue and handled",
        async () => {
          const pnrId = `PNR-LATE-${Date.now()}`;
          await client.deliver(envelope(operation, pnrPayload({ pnrId })));
          await new Promise((resolve) => setTimeout(resolve, 300));
          return received(pnrId) ? true : undefined;
        },
        30_000,
      );
    } finally {
      worker.kill("SIGTERM");
      await once(worker, "exit");
      await ingress.close();
    }
  }, 120_000);
});
