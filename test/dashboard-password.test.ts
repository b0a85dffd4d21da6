import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDashboardConfig } from "@skyhook/dashboard";
import { parsePasswordHash, verifyPassword, weakPasswordHashReason } from "@skyhook/service-kit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicHeader, startDashboard } from "./support/dashboard.ts";
import { repoRoot } from "./support/processes.ts";
import { connect } from "./support/redis.ts";

/** `skyhook dashboard-password` as its own process, the password piped to its stdin. */
async function hashFromCli(stdin: string) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "apps/cli/src/main.ts", "dashboard-password"],
    { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdin.end(stdin);
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

const password = "vivid walrus juggles nine kites";

/**
 * The same on a terminal: util-linux's `script` gives the command a pseudo-terminal, and the
 * password is typed at each prompt as a person would.
 */
async function hashFromTerminal(typed: readonly string[]) {
  const child = spawn(
    "script",
    [
      "-qec",
      `${process.execPath} --import tsx apps/cli/src/main.ts dashboard-password`,
      "/dev/null",
    ],
    { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  let screen = "";
  const answers = [...typed];
  child.stdout.on("data", (chunk: Buffer) => {
    screen += chunk.toString("utf8");
    const prompts = (screen.match(/Password: |Again: /g) ?? []).length;
    while (typed.length - answers.length < prompts && answers.length > 0)
      child.stdin.write(`${answers.shift()}\r`);
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, screen };
}

describe("skyhook dashboard-password", () => {
  const dir = mkdtempSync(join(tmpdir(), "skyhook-dashboard-password-"));
  let redis: Redis;

  beforeAll(() => {
    redis = connect();
  });

  afterAll(() => {
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints a production-grade scrypt hash of the password piped in, which then signs that user in", async () => {
    const run = await hashFromCli(`${password}\n`);
    expect(run.code).toBe(0);
    const hash = run.stdout.trim();
    expect(run.stdout).toBe(`${hash}\n`);
    expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=4\$/);
    const parsed = parsePasswordHash(hash);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(weakPasswordHashReason(parsed.hash)).toBeUndefined();
    expect(await verifyPassword(password, parsed.hash)).toBe(true);

    const file = join(dir, "users");
    writeFileSync(file, `# the on-call team\nada:operator:${hash}\n`);
    const config = loadDashboardConfig({ NODE_ENV: "production", DASHBOARD_USERS_FILE: file });
    const board = await startDashboard(redis, { auth: config.auth });
    try {
      const signIn = (pw: string) =>
        fetch(`${board.url}/api/queues`, { headers: basicHeader({ name: "ada", password: pw }) });
      expect((await signIn(password)).status).toBe(200);
      expect((await signIn(`${password}!`)).status).toBe(401);
    } finally {
      await board.stop();
    }
  }, 60_000);

  it.skipIf(!existsSync("/usr/bin/script"))(
    "on a terminal asks twice without echoing, and prints the hash only when both match",
    async () => {
      const same = await hashFromTerminal([password, password]);
      expect(same.code).toBe(0);
      expect(same.screen).toMatch(/\$scrypt\$ln=15,r=8,p=4\$/);
      expect(same.screen).not.toContain("walrus");
      const differ = await hashFromTerminal([password, `${password}.`]);
      expect(differ.code).toBe(2);
      expect(differ.screen).toContain("the two passwords differ; nothing printed");
      expect(differ.screen).not.toContain("$scrypt$");
    },
    60_000,
  );

  it("refuses a weak password and prints no hash, and does not echo the password", async () => {
    const run = await hashFromCli("hunter2\n");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/password refused \(shorter than 20 characters\)/);
    expect(run.stderr).not.toContain("hunter2");
  }, 60_000);
});
