import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configErrorOf } from "../../../test/support/config-error.ts";
import { loadIngressConfig } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "skyhook-ingress-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function fileWith(content: string): string {
  const path = join(dir, `file-${++counter}`);
  writeFileSync(path, content);
  return path;
}

const signingSecret = `whsec_${randomBytes(32).toString("base64")}`;
const clientSecret = randomBytes(24).toString("hex");
const tokenSigningKey = randomBytes(32).toString("base64");

describe("ingress secrets given as files", () => {
  it("reads every secret of the environment subscription and the token key from *_FILE", () => {
    const config = loadIngressConfig({
      NODE_ENV: "production",
      SPOTNANA_CLIENT_ID: "acme-spotnana",
      SPOTNANA_CLIENT_SECRET_FILE: fileWith(`${clientSecret}\n`),
      SPOTNANA_SIGNING_SECRETS_FILE: fileWith(`${signingSecret}\n`),
      TOKEN_SIGNING_KEY_FILE: fileWith(`${tokenSigningKey}\n`),
    });
    expect(config.subscriptions[0]?.oauth?.clientSecrets).toEqual([clientSecret]);
    expect(config.subscriptions[0]?.hmac?.signingSecrets).toEqual([signingSecret]);
    expect(config.token.signingKey).toBe(tokenSigningKey);
  });

  it("counts a secret given as a file as configured: no development default steps in", () => {
    const error = configErrorOf(() =>
      loadIngressConfig({
        SPOTNANA_CLIENT_SECRET_FILE: fileWith("my-secret-123"),
        SPOTNANA_CLIENT_ID: "c",
      }),
    );
    expect(error.problems).toEqual([expect.stringMatching(/^TOKEN_SIGNING_KEY: required/)]);
  });

  it("refuses a secret set both ways, and names the file it cannot read", () => {
    const both = configErrorOf(() =>
      loadIngressConfig({
        SPOTNANA_SIGNING_SECRETS: signingSecret,
        SPOTNANA_SIGNING_SECRETS_FILE: fileWith(signingSecret),
      }),
    );
    expect(both.problems).toContain(
      "SPOTNANA_SIGNING_SECRETS, SPOTNANA_SIGNING_SECRETS_FILE: set one of them, not both",
    );
    const missing = join(dir, "no-such-key");
    const unreadable = configErrorOf(() =>
      loadIngressConfig({
        SPOTNANA_SIGNING_SECRETS: signingSecret,
        TOKEN_SIGNING_KEY_FILE: missing,
      }),
    );
    expect(unreadable.problems).toContain(
      `TOKEN_SIGNING_KEY_FILE: cannot read ${missing} (ENOENT)`,
    );
  });
});

describe("config errors print names and reasons, never secrets", () => {
  const secret = "S3cr3tVALUEnever2print";

  it.each([
    [
      "an unquoted secret (JSON.parse quotes the text around it)",
      `[{"name":"a","clientId":"c","clientSecret": ${secret}}]`,
    ],
    [
      "a secret pasted as a field name",
      `[{"name":"a","signingSecrets":["${signingSecret}"],"${secret}":true}]`,
    ],
    [
      "a secret pasted as a header name",
      `[{"name":"a","signingSecrets":["${signingSecret}"],"requiredHeaders":{"${secret}/x":"v"}}]`,
    ],
    ["a secret of the wrong type", `[{"name":"a","clientId":"c","clientSecret":["${secret}"]}]`],
  ])("with %s in SUBSCRIPTIONS_FILE", (_, content) => {
    const path = fileWith(content);
    const error = configErrorOf(() =>
      loadIngressConfig({ SUBSCRIPTIONS_FILE: path, TOKEN_SIGNING_KEY: tokenSigningKey }),
    );
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) expect(problem).toMatch(/^SUBSCRIPTIONS_FILE/);
    expect(error.message).toContain(path);
    for (const fragment of [secret.slice(0, 8), secret.slice(8, 16), secret.slice(-8)])
      expect(error.message).not.toContain(fragment);
  });

  it("names a misspelt field, which is no secret", () => {
    const path = fileWith(`[{"name":"a","signingSecrets":["${signingSecret}"],"filtres":{}}]`);
    const error = configErrorOf(() => loadIngressConfig({ SUBSCRIPTIONS_FILE: path }));
    expect(error.problems).toEqual([`SUBSCRIPTIONS_FILE ${path} [0]: unknown field "filtres"`]);
  });

  it("never prints a refused production secret from the environment", () => {
    const weak = "replace-with-a-long-random-secret";
    const error = configErrorOf(() =>
      loadIngressConfig({
        NODE_ENV: "production",
        SPOTNANA_CLIENT_ID: "acme",
        SPOTNANA_CLIENT_SECRET: weak,
        SPOTNANA_SIGNING_SECRETS: "whsec_c2hvcnQ=",
        TOKEN_SIGNING_KEY: "short-key",
        REDIS_URL: `redis://:${weak}@redis:6379`,
      }),
    );
    expect(error.problems.map((p) => p.split(":")[0]).sort()).toEqual(
      [
        "REDIS_URL",
        "SPOTNANA_CLIENT_SECRET",
        "SPOTNANA_SIGNING_SECRETS",
        "TOKEN_SIGNING_KEY",
      ].sort(),
    );
    for (const value of [weak, "c2hvcnQ", "short-key"]) expect(error.message).not.toContain(value);
  });
});

describe("DEDUP_TTL_SEC and the HMAC timestamp window", () => {
  const hmac = { SPOTNANA_SIGNING_SECRETS: signingSecret };

  it("refuses a dedup TTL shorter than the timestamp window, which would let a replay in twice", () => {
    const error = configErrorOf(() => loadIngressConfig({ ...hmac, DEDUP_TTL_SEC: "300" }));
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^DEDUP_TTL_SEC: must be at least 360 s, the HMAC timestamp window of subscription "spotnana"/,
      ),
    ]);
    expect(loadIngressConfig({ ...hmac, DEDUP_TTL_SEC: "360" }).jobs.dedupTtlSec).toBe(360);
  });

  it("takes the widest window of any subscription, its own tolerance included", () => {
    const path = fileWith(
      JSON.stringify([
        {
          name: "narrow",
          signingSecrets: [signingSecret],
          timestampTolerance: { pastSec: 60, futureSec: 0 },
        },
        {
          name: "wide",
          signingSecrets: [signingSecret],
          timestampTolerance: { pastSec: 3_600, futureSec: 60 },
        },
        { name: "unchecked", signingSecrets: [signingSecret], timestampTolerance: false },
      ]),
    );
    const error = configErrorOf(() =>
      loadIngressConfig({ SUBSCRIPTIONS_FILE: path, DEDUP_TTL_SEC: "3600" }),
    );
    expect(error.problems).toEqual([
      expect.stringMatching(/at least 3660 s, .* subscription "wide"/),
    ]);
    expect(
      loadIngressConfig({ SUBSCRIPTIONS_FILE: path, DEDUP_TTL_SEC: "3660" }).subscriptions,
    ).toHaveLength(3);
  });

  it("places no bound when no subscription checks timestamps", () => {
    const unchecked = { ...hmac, HMAC_TIMESTAMP_CHECK: "false", DEDUP_TTL_SEC: "60" };
    expect(loadIngressConfig(unchecked).jobs.dedupTtlSec).toBe(60);
    const oauth = { SPOTNANA_CLIENT_ID: "c", SPOTNANA_CLIENT_SECRET: "my-secret-123" };
    const config = loadIngressConfig({
      ...oauth,
      TOKEN_SIGNING_KEY: tokenSigningKey,
      DEDUP_TTL_SEC: "60",
    });
    expect(config.jobs.dedupTtlSec).toBe(60);
  });
});
