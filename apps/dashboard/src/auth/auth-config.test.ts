import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, formatPasswordHash } from "@skyhook/service-kit";
import { afterAll, describe, expect, it } from "vitest";
import { loadDashboardConfig } from "../config.ts";

const strongPassword = "vivid-walrus-juggles-nine-kites";

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadDashboardConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the configuration to be refused");
}

describe("loadDashboardConfig: built-in users", () => {
  const dir = mkdtempSync(join(tmpdir(), "skyhook-dashboard-users-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const hash = (logN: number, p: number) =>
    formatPasswordHash({ logN, r: 8, p, salt: Buffer.alloc(16, 1), key: Buffer.alloc(32, 2) });
  const usersFile = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join("\n")}\n`);
    return path;
  };
  const usersOf = (env: NodeJS.ProcessEnv) => {
    const { auth } = loadDashboardConfig(env);
    return auth.mode === "basic" ? auth.users.map((u) => [u.name, u.role, u.secret.kind]) : [];
  };

  it("reads DASHBOARD_USERS_FILE, and in production needs no DASHBOARD_USER beside it", () => {
    const path = usersFile("two", [`ada:operator:${hash(15, 4)}`, `eve:viewer:${hash(15, 4)}`]);
    expect(usersOf({ NODE_ENV: "production", DASHBOARD_USERS_FILE: path })).toEqual([
      ["ada", "operator", "hash"],
      ["eve", "viewer", "hash"],
    ]);
    expect(loadDashboardConfig({ DASHBOARD_USERS_FILE: path }).devDefaultsInUse).toEqual([]);
  });

  it("adds DASHBOARD_USER as one more user, with the role DASHBOARD_USER_ROLE gives it", () => {
    const path = usersFile("one", [`ada:operator:${hash(15, 4)}`]);
    expect(
      usersOf({
        NODE_ENV: "production",
        DASHBOARD_USERS_FILE: path,
        DASHBOARD_USER: "kiosk",
        DASHBOARD_PASSWORD: strongPassword,
        DASHBOARD_USER_ROLE: "viewer",
      }),
    ).toEqual([
      ["ada", "operator", "hash"],
      ["kiosk", "viewer", "plain"],
    ]);
    expect(problemsOf({ DASHBOARD_USER_ROLE: "admin" })[0]).toMatch(/^DASHBOARD_USER_ROLE:/);
  });

  it("refuses a users file whose hash has too little work for production, naming line and user", () => {
    const path = usersFile("weak", [`ada:operator:${hash(12, 1)}`]);
    expect(usersOf({ DASHBOARD_USERS_FILE: path })).toEqual([["ada", "operator", "hash"]]);
    expect(problemsOf({ NODE_ENV: "production", DASHBOARD_USERS_FILE: path })).toEqual([
      expect.stringMatching(
        /^DASHBOARD_USERS_FILE: line 1 \(ada\): the hash is too weak for production: too little work/,
      ),
    ]);
  });

  it("names an unreadable users file and a user given twice", () => {
    const missing = join(dir, "missing");
    expect(problemsOf({ DASHBOARD_USERS_FILE: missing })).toEqual([
      `DASHBOARD_USERS_FILE: cannot read ${missing} (ENOENT)`,
    ]);
    const path = usersFile("clash", [`ops:operator:${hash(15, 4)}`]);
    expect(
      problemsOf({ DASHBOARD_USERS_FILE: path, DASHBOARD_USER: "ops", DASHBOARD_PASSWORD: "x" }),
    ).toEqual(["DASHBOARD_USER: ops is also in DASHBOARD_USERS_FILE; give each user once"]);
  });

  it("reads the failed-login limit and its window", () => {
    const { auth } = loadDashboardConfig({
      DASHBOARD_LOGIN_FAILURES_PER_ADDRESS: "5",
      DASHBOARD_LOGIN_FAILURE_WINDOW_SEC: "60",
    });
    expect(auth.mode === "basic" && auth.loginLimits).toEqual({ perAddress: 5, windowSec: 60 });
    expect(auth.mode === "basic" && loadDashboardConfig({}).auth).toMatchObject({
      loginLimits: { perAddress: 10, windowSec: 900 },
    });
  });
});
