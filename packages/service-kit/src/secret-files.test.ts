import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CommonEnv } from "./common-env.ts";
import { envString } from "./env-fields.ts";
import { ConfigError, envValue, loadConfig } from "./load-config.ts";
import { withSecretFiles } from "./secret-files.ts";

const dir = mkdtempSync(join(tmpdir(), "skyhook-secret-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function secretFile(content: string): string {
  const path = join(dir, `secret-${++counter}`);
  writeFileSync(path, content);
  return path;
}

const Env = CommonEnv.extend({ TOKEN_SIGNING_KEY: envString(), PORT: envString() });

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(Env, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected the environment to be refused");
}

describe("secret variables given as files", () => {
  it("reads <NAME>_FILE into <NAME>, dropping the trailing newline", () => {
    const e = loadConfig(Env, {
      TOKEN_SIGNING_KEY_FILE: secretFile("from-a-file-0123456789\n"),
      REDIS_URL_FILE: secretFile("redis://:pw-from-file@redis.internal:6380\r\n"),
    });
    expect(e.TOKEN_SIGNING_KEY).toBe("from-a-file-0123456789");
    expect(e.REDIS_URL).toBe("redis://:pw-from-file@redis.internal:6380");
  });

  it("reads the file where the variable itself is set but empty (as compose passes an unset one)", () => {
    const e = loadConfig(Env, {
      TOKEN_SIGNING_KEY: "",
      TOKEN_SIGNING_KEY_FILE: secretFile("from-a-file"),
    });
    expect(e.TOKEN_SIGNING_KEY).toBe("from-a-file");
  });

  it("refuses a variable set both ways, naming both", () => {
    const problems = problemsOf({
      TOKEN_SIGNING_KEY: "in-the-environment",
      TOKEN_SIGNING_KEY_FILE: secretFile("in-a-file"),
    });
    expect(problems).toEqual([
      "TOKEN_SIGNING_KEY, TOKEN_SIGNING_KEY_FILE: set one of them, not both",
    ]);
  });

  it("names the variable and the path of a file it cannot read, and never its content", () => {
    const missing = join(dir, "does-not-exist");
    expect(problemsOf({ TOKEN_SIGNING_KEY_FILE: missing })).toEqual([
      `TOKEN_SIGNING_KEY_FILE: cannot read ${missing} (ENOENT)`,
    ]);
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    expect(problemsOf({ TOKEN_SIGNING_KEY_FILE: folder })).toEqual([
      `TOKEN_SIGNING_KEY_FILE: ${folder} is not a file`,
    ]);
    const empty = secretFile("\n");
    expect(problemsOf({ REDIS_URL_FILE: empty })).toEqual([`REDIS_URL_FILE: ${empty} is empty`]);
    const huge = secretFile(`secret-content-${"x".repeat(70_000)}`);
    const [tooLarge] = problemsOf({ TOKEN_SIGNING_KEY_FILE: huge });
    expect(tooLarge).toBe(
      `TOKEN_SIGNING_KEY_FILE: ${huge} is larger than 64 KiB; it is not a secret`,
    );
  });

  it("reads files for secret variables only", () => {
    const e = loadConfig(Env, { PORT_FILE: secretFile("9999") });
    expect(e.PORT).toBeUndefined();
  });

  it("gives checks made beside the schema the file's value too", () => {
    const env = { DASHBOARD_PASSWORD_FILE: secretFile("password-from-file\n") };
    expect(envValue(env, "DASHBOARD_PASSWORD")).toBe("password-from-file");
    expect(envValue({}, "DASHBOARD_PASSWORD")).toBeUndefined();
  });

  it("reports nothing twice when an environment is resolved again", () => {
    const once = withSecretFiles({ TOKEN_SIGNING_KEY_FILE: join(dir, "nope") });
    expect(once.problems).toHaveLength(1);
    expect(withSecretFiles(once.env).problems).toEqual([]);
  });
});

describe("REDIS_URL in production", () => {
  it("refuses a placeholder or development password, naming REDIS_URL and not the password", () => {
    for (const url of [
      "rediss://:replace-with-the-redis-password@redis.example.internal:6380",
      "redis://:skyhook-dev-redis@redis:6379",
    ]) {
      const problems = problemsOf({ NODE_ENV: "production", REDIS_URL: url });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^REDIS_URL: its password looks like a placeholder/);
      expect(problems[0]).not.toContain(new URL(url).password);
    }
  });

  it("accepts a generated password in production, and any password in development", () => {
    const generated = "redis://:5f0c1e9a7b3d42c68e1f0a9b7c3d5e2f@redis:6379";
    expect(loadConfig(Env, { NODE_ENV: "production", REDIS_URL: generated }).REDIS_URL).toBe(
      generated,
    );
    const development = "redis://:skyhook-dev-redis@redis:6379";
    expect(loadConfig(Env, { REDIS_URL: development }).REDIS_URL).toBe(development);
    expect(loadConfig(z.object({}), { NODE_ENV: "production" })).toEqual({});
  });
});
