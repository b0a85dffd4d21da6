import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDashboardConfig } from "@skyhook/dashboard";
import { loadIngressConfig } from "@skyhook/ingress";
import { loadWorkerConfig } from "@skyhook/worker";
import { afterAll, describe, expect, it } from "vitest";
import { configErrorOf } from "./support/config-error.ts";

const dir = mkdtempSync(join(tmpdir(), "skyhook-secret-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${content}\n`);
  return path;
}

const redisUrl = `redis://:${randomBytes(24).toString("hex")}@redis.internal:6379`;
const redisUrlFile = secretFile("redis-url", redisUrl);

describe("secrets given as files, in every process", () => {
  it("gives the ingress, a worker and the dashboard REDIS_URL from REDIS_URL_FILE", () => {
    const hmac = { SPOTNANA_SIGNING_SECRETS: `whsec_${randomBytes(32).toString("base64")}` };
    expect(loadIngressConfig({ ...hmac, REDIS_URL_FILE: redisUrlFile }).redis.url).toBe(redisUrl);
    expect(loadWorkerConfig({ REDIS_URL_FILE: redisUrlFile }).redis.url).toBe(redisUrl);
    expect(loadDashboardConfig({ REDIS_URL_FILE: redisUrlFile }).redis.url).toBe(redisUrl);
  });

  it("gives the dashboard its production password from DASHBOARD_PASSWORD_FILE", () => {
    const password = randomBytes(24).toString("hex");
    const config = loadDashboardConfig({
      NODE_ENV: "production",
      REDIS_URL_FILE: redisUrlFile,
      DASHBOARD_USER: "operator",
      DASHBOARD_PASSWORD_FILE: secretFile("dashboard-password", password),
    });
    expect(config.auth).toMatchObject({
      mode: "basic",
      users: [{ name: "operator", secret: { kind: "plain", password } }],
    });
  });

  it("names both variables in every process when a secret is given both ways", () => {
    const both = { REDIS_URL: redisUrl, REDIS_URL_FILE: redisUrlFile };
    for (const load of [loadWorkerConfig, loadDashboardConfig]) {
      expect(configErrorOf(() => load(both)).problems).toContain(
        "REDIS_URL, REDIS_URL_FILE: set one of them, not both",
      );
    }
  });
});
