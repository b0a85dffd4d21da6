import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@skyhook/service-kit";
import { afterAll, describe, expect, it } from "vitest";
import { configErrorOf } from "../../../test/support/config-error.ts";
import { devCredentials, loadIngressConfig } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "skyhook-ingress-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function subscriptionsFile(content: unknown): string {
  const path = join(dir, `subscriptions-${++fileCounter}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

/** What `openssl rand -hex 24` and `openssl rand -base64 32` make. */
const generatedSecret = () => randomBytes(24).toString("hex");
const generatedKey = () => randomBytes(32).toString("base64");
const clientSecret = generatedSecret();
const tokenSigningKey = generatedKey();

const productionSecrets = {
  NODE_ENV: "production",
  SPOTNANA_CLIENT_ID: "acme-spotnana",
  SPOTNANA_CLIENT_SECRET: clientSecret,
  TOKEN_SIGNING_KEY: tokenSigningKey,
};

describe("loadIngressConfig", () => {
  it("starts with development credentials when nothing is configured outside production", () => {
    const config = loadIngressConfig({});
    expect(config.nodeEnv).toBe("development");
    expect(config.subscriptions).toEqual([
      {
        name: "spotnana",
        oauth: {
          clientId: devCredentials.SPOTNANA_CLIENT_ID,
          clientSecrets: [devCredentials.SPOTNANA_CLIENT_SECRET],
          tokenTtlSec: undefined,
        },
        hmac: undefined,
        eventTypes: undefined,
        filters: {},
        requiredHeaders: {},
        requiredTokenFields: {},
        requiredTokenHeaders: {},
      },
    ]);
    expect(config.token.signingKey).toBe(devCredentials.TOKEN_SIGNING_KEY);
    expect(config.devDefaultsInUse.sort()).toEqual(
      ["SPOTNANA_CLIENT_ID", "SPOTNANA_CLIENT_SECRET", "TOKEN_SIGNING_KEY"].sort(),
    );
  });

  it("applies documented defaults for the other variables", () => {
    const config = loadIngressConfig({});
    expect(config).toMatchObject({
      port: 8080,
      redis: { url: "redis://127.0.0.1:6379", sentinelName: "mymaster" },
      queuePrefix: "skyhook",
      body: {
        limitBytes: 10 * 1024 * 1024,
        maxCompressionRatio: 64,
        budgetBytes: 40 * 1024 * 1024,
        budgetPerAddressBytes: 10 * 1024 * 1024,
      },
      jobs: { dedupTtlSec: 14 * 24 * 3600 },
      enqueueTimeoutMs: 800,
    });
  });

  it.each([
    ["unset", {}],
    ["development", { NODE_ENV: "development" }],
    ["test", { NODE_ENV: "test" }],
  ])(
    "requires TOKEN_SIGNING_KEY once OAuth credentials are configured, with NODE_ENV %s",
    (_, nodeEnv) => {
      const error = configErrorOf(() =>
        loadIngressConfig({
          ...nodeEnv,
          SPOTNANA_CLIENT_ID: "my-client",
          SPOTNANA_CLIENT_SECRET: "my-secret-123",
        }),
      );
      expect(error.problems).toEqual([
        expect.stringMatching(/^TOKEN_SIGNING_KEY: required when an OAuth client is configured/),
      ]);
    },
  );

  it("uses no development default once any credential is configured", () => {
    const config = loadIngressConfig({
      SPOTNANA_CLIENT_ID: "my-client",
      SPOTNANA_CLIENT_SECRET: "my-secret-123",
      TOKEN_SIGNING_KEY: tokenSigningKey,
    });
    expect(config.subscriptions[0]?.oauth?.clientId).toBe("my-client");
    expect(config.token.signingKey).toBe(tokenSigningKey);
    expect(config.devDefaultsInUse).toEqual([]);
    // A signing key alone configures no client: the development client does not step in.
    const error = configErrorOf(() => loadIngressConfig({ TOKEN_SIGNING_KEY: tokenSigningKey }));
    expect(error.problems.map((p) => p.split(":")[0])).toEqual([
      "SPOTNANA_CLIENT_ID",
      "SPOTNANA_CLIENT_SECRET",
    ]);
  });

  it("signs with a key nobody knows, not the development one, when only HMAC is configured", () => {
    const secrets = { SPOTNANA_SIGNING_SECRETS: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
    const config = loadIngressConfig(secrets);
    expect(config.subscriptions[0]?.oauth).toBeUndefined();
    expect(config.devDefaultsInUse).toEqual([]);
    expect(config.token.signingKey).not.toBe(devCredentials.TOKEN_SIGNING_KEY);
    expect(loadIngressConfig(secrets).token.signingKey).not.toBe(config.token.signingKey);
  });

  it("treats an empty variable as not set", () => {
    const config = loadIngressConfig({ SPOTNANA_CLIENT_ID: "", PORT: "" });
    expect(config.subscriptions[0]?.oauth?.clientId).toBe(devCredentials.SPOTNANA_CLIENT_ID);
    expect(config.port).toBe(8080);
  });

  it("uses the given credentials in production and reports no development defaults", () => {
    const config = loadIngressConfig(productionSecrets);
    expect(config.subscriptions[0]?.oauth).toMatchObject({
      clientId: "acme-spotnana",
      clientSecrets: [clientSecret],
    });
    expect(config.token.signingKey).toBe(productionSecrets.TOKEN_SIGNING_KEY);
    expect(config.devDefaultsInUse).toEqual([]);
  });

  it("bounds every stage of a connection by default, and reads the limits from the environment", () => {
    expect(loadIngressConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
    });
    const config = loadIngressConfig({
      HEADERS_TIMEOUT_MS: "2000",
      REQUEST_TIMEOUT_MS: "20000",
      KEEP_ALIVE_TIMEOUT_MS: "65000",
      IDLE_TIMEOUT_MS: "0",
    });
    expect(config.http).toEqual({
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 20_000,
      keepAliveTimeoutMs: 65_000,
      idleTimeoutMs: 0,
    });
  });

  it("refuses a headers timeout longer than the request timeout", () => {
    const error = configErrorOf(() =>
      loadIngressConfig({ HEADERS_TIMEOUT_MS: "20000", REQUEST_TIMEOUT_MS: "10000" }),
    );
    expect(error.problems).toContainEqual(expect.stringMatching(/^HEADERS_TIMEOUT_MS:/));
  });

  it("keeps the journal on for 14 days and a million entries a queue unless told, and refuses a bad switch by name", () => {
    expect(loadIngressConfig({})).toMatchObject({
      journal: { enabled: true, maxAgeSec: 14 * 24 * 3600 },
      journalMaxEntries: 1_000_000,
    });
    expect(
      loadIngressConfig({
        JOURNAL: "off",
        JOURNAL_MAX_AGE_SEC: "3600",
        JOURNAL_MAX_ENTRIES: "5000",
      }),
    ).toMatchObject({ journal: { enabled: false, maxAgeSec: 3600 }, journalMaxEntries: 5000 });
    const error = configErrorOf(() =>
      loadIngressConfig({ JOURNAL: "false", JOURNAL_MAX_AGE_SEC: "1", JOURNAL_MAX_ENTRIES: "10" }),
    );
    expect(error.problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "JOURNAL",
      "JOURNAL_MAX_AGE_SEC",
      "JOURNAL_MAX_ENTRIES",
    ]);
  });

  it("refuses production without credentials, naming every missing variable", () => {
    const error = configErrorOf(() => loadIngressConfig({ NODE_ENV: "production" }));
    for (const name of ["SPOTNANA_CLIENT_ID", "SPOTNANA_CLIENT_SECRET", "TOKEN_SIGNING_KEY"]) {
      expect(error.message).toContain(name);
      expect(error.problems.some((p) => p.startsWith(name))).toBe(true);
    }
  });

  it("refuses production running on the development credentials, naming each", () => {
    const error = configErrorOf(() =>
      loadIngressConfig({ NODE_ENV: "production", ...devCredentials }),
    );
    for (const name of Object.keys(devCredentials)) {
      expect(error.problems).toContainEqual(
        expect.stringMatching(new RegExp(`^${name}:.*development`)),
      );
    }
  });

  it("refuses a short client secret in production", () => {
    const error = configErrorOf(() =>
      loadIngressConfig({ ...productionSecrets, SPOTNANA_CLIENT_SECRET: "short-secret" }),
    );
    expect(error.problems).toEqual([
      "SPOTNANA_CLIENT_SECRET: shorter than 32 characters (refused when NODE_ENV=production)",
    ]);
  });

  it.each(["abc", "-1", "80.5"])("refuses PORT=%s, naming PORT", (port) => {
    const error = configErrorOf(() => loadIngressConfig({ PORT: port }));
    expect(error.problems).toEqual([expect.stringMatching(/^PORT:/)]);
  });

  it("names every bad variable of the environment in one error", () => {
    const error = configErrorOf(() =>
      loadIngressConfig({
        PORT: "abc",
        REDIS_URL: "http://localhost",
        SPOTNANA_CLIENT_ID: "my-client",
        SPOTNANA_CLIENT_SECRET: "my-secret-123",
        TOKEN_SIGNING_KEY: "short",
      }),
    );
    expect(error.problems.map((p) => p.split(":")[0]).sort()).toEqual(
      ["PORT", "REDIS_URL", "TOKEN_SIGNING_KEY"].sort(),
    );
  });

  it("reads the subscriptions from SUBSCRIPTIONS_FILE", () => {
    const subscriptions = [
      { name: "tmc-a", clientId: "client-a", clientSecret: "secret-a-123" },
      { name: "tmc-b", clientId: "client-b", clientSecret: "secret-b-123", tokenTtlSec: 600 },
    ];
    const config = loadIngressConfig({
      SUBSCRIPTIONS_FILE: subscriptionsFile(subscriptions),
      TOKEN_SIGNING_KEY: tokenSigningKey,
    });
    expect(config.subscriptions.map((s) => [s.name, s.oauth])).toEqual([
      ["tmc-a", { clientId: "client-a", clientSecrets: ["secret-a-123"], tokenTtlSec: undefined }],
      ["tmc-b", { clientId: "client-b", clientSecrets: ["secret-b-123"], tokenTtlSec: 600 }],
    ]);
    expect(config.devDefaultsInUse).toEqual([]);
  });

  it("accepts tokens as long-lived as the longest lifetime any client's tokens are issued with", () => {
    const file = subscriptionsFile([
      { name: "short", clientId: "client-a", clientSecret: "secret-a-123", tokenTtlSec: 600 },
      { name: "long", clientId: "client-b", clientSecret: "secret-b-123", tokenTtlSec: 7_200 },
    ]);
    const env = { SUBSCRIPTIONS_FILE: file, TOKEN_SIGNING_KEY: tokenSigningKey };
    expect(loadIngressConfig(env).token.maxTtlSec).toBe(7_200);
    expect(loadIngressConfig({ ...env, TOKEN_TTL_SEC: "9000" }).token.maxTtlSec).toBe(9_000);
  });

  it("needs only a signing key in production when subscriptions come from a file", () => {
    const path = subscriptionsFile([{ name: "a", clientId: "client-a", clientSecret }]);
    const config = loadIngressConfig({
      NODE_ENV: "production",
      SUBSCRIPTIONS_FILE: path,
      TOKEN_SIGNING_KEY: tokenSigningKey,
    });
    expect(config.subscriptions.map((s) => s.oauth?.clientId)).toEqual(["client-a"]);
    expect(() => loadIngressConfig({ NODE_ENV: "production", SUBSCRIPTIONS_FILE: path })).toThrow(
      /TOKEN_SIGNING_KEY/,
    );
  });

  it("refuses a SUBSCRIPTIONS_FILE that is not JSON, naming the variable and the path", () => {
    const path = subscriptionsFile("{ not json");
    const error = configErrorOf(() => loadIngressConfig({ SUBSCRIPTIONS_FILE: path }));
    expect(error.message).toContain("SUBSCRIPTIONS_FILE");
    expect(error.message).toContain(path);
  });

  it("refuses a SUBSCRIPTIONS_FILE that does not exist, naming the variable", () => {
    const path = join(dir, "missing.json");
    const error = configErrorOf(() => loadIngressConfig({ SUBSCRIPTIONS_FILE: path }));
    expect(error.problems).toEqual([
      expect.stringContaining(`SUBSCRIPTIONS_FILE: cannot read ${path}`),
    ]);
  });

  it("refuses a SUBSCRIPTIONS_FILE whose entries are invalid, naming the bad field", () => {
    const path = subscriptionsFile([{ name: "a", clientId: "client-a", clientSecret: "short" }]);
    const error = configErrorOf(() => loadIngressConfig({ SUBSCRIPTIONS_FILE: path }));
    expect(error.problems).toEqual([
      expect.stringMatching(/^SUBSCRIPTIONS_FILE .*\[0\.clientSecret\]/),
    ]);
  });

  it("refuses an empty SUBSCRIPTIONS_FILE list", () => {
    const path = subscriptionsFile([]);
    expect(() => loadIngressConfig({ SUBSCRIPTIONS_FILE: path })).toThrow(ConfigError);
  });

  it("refuses subscriptions that share a clientId", () => {
    const path = subscriptionsFile([
      { name: "a", clientId: "same", clientSecret: "secret-a-123" },
      { name: "b", clientId: "same", clientSecret: "secret-b-123" },
    ]);
    const error = configErrorOf(() => loadIngressConfig({ SUBSCRIPTIONS_FILE: path }));
    expect(error.message).toContain("clientId must be unique");
  });

  it("reports a schema problem and missing production credentials in the same error", () => {
    const error = configErrorOf(() => loadIngressConfig({ NODE_ENV: "production", PORT: "abc" }));
    const named = error.problems.map((p) => p.split(":")[0]);
    expect(named).toEqual(
      expect.arrayContaining([
        "PORT",
        "SPOTNANA_CLIENT_ID",
        "SPOTNANA_CLIENT_SECRET",
        "TOKEN_SIGNING_KEY",
      ]),
    );
  });

  it("serves ops on 0.0.0.0:9464 by default, and takes OPS_PORT=0 for a free port", () => {
    expect(loadIngressConfig({}).ops).toEqual({ port: 9464, host: "0.0.0.0" });
    expect(loadIngressConfig({ OPS_PORT: "0", OPS_HOST: "127.0.0.1" }).ops).toEqual({
      port: 0,
      host: "127.0.0.1",
    });
  });

  it.each(["abc", "-1", "70000"])("refuses OPS_PORT=%s, naming OPS_PORT", (port) => {
    const error = configErrorOf(() => loadIngressConfig({ OPS_PORT: port }));
    expect(error.problems).toEqual([expect.stringMatching(/^OPS_PORT:/)]);
  });

  it("refuses an OPS_PORT equal to PORT: the ops server stays off the public port", () => {
    const error = configErrorOf(() => loadIngressConfig({ PORT: "9000", OPS_PORT: "9000" }));
    expect(error.problems).toEqual([expect.stringMatching(/^OPS_PORT: must differ from PORT/)]);
  });

  it("refuses a port outside 1-65535", () => {
    const error = configErrorOf(() => loadIngressConfig({ PORT: "70000" }));
    expect(error.problems).toEqual([expect.stringMatching(/^PORT:/)]);
  });

  it("holds SUBSCRIPTIONS_FILE entries to the production secret rules, naming subscription and field", () => {
    const path = subscriptionsFile([
      {
        name: "dev",
        clientId: devCredentials.SPOTNANA_CLIENT_ID,
        clientSecret: devCredentials.SPOTNANA_CLIENT_SECRET,
      },
      { name: "short", clientId: "acme", clientSecrets: [clientSecret, "eight-ch"] },
      { name: "good", clientId: "globex", clientSecret: generatedSecret() },
    ]);
    const error = configErrorOf(() =>
      loadIngressConfig({
        NODE_ENV: "production",
        TOKEN_SIGNING_KEY: tokenSigningKey,
        SUBSCRIPTIONS_FILE: path,
      }),
    );
    expect(error.problems).toEqual([
      'SUBSCRIPTIONS_FILE [0] "dev".clientId: the development default (refused when NODE_ENV=production)',
      'SUBSCRIPTIONS_FILE [0] "dev".clientSecret: the development default (refused when NODE_ENV=production)',
      'SUBSCRIPTIONS_FILE [1] "short".clientSecrets[1]: shorter than 32 characters (refused when NODE_ENV=production)',
    ]);
  });

  it("applies the HMAC timestamp window settings, as the schema reads them, to subscriptions", () => {
    const secrets = { SPOTNANA_SIGNING_SECRETS: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
    expect(
      loadIngressConfig({ ...secrets, HMAC_TIMESTAMP_CHECK: "no" }).subscriptions[0]?.hmac
        ?.tolerance,
    ).toBe(false);
    expect(
      loadIngressConfig({ ...secrets, HMAC_TOLERANCE_PAST_SEC: "120" }).subscriptions[0]?.hmac
        ?.tolerance,
    ).toEqual({ pastSec: 120, futureSec: 60 });
    const path = subscriptionsFile([
      { name: "a", signingSecrets: [secrets.SPOTNANA_SIGNING_SECRETS] },
      { name: "b", signingSecrets: [secrets.SPOTNANA_SIGNING_SECRETS], timestampTolerance: false },
    ]);
    const tolerances = loadIngressConfig({
      SUBSCRIPTIONS_FILE: path,
      HMAC_TOLERANCE_FUTURE_SEC: "5",
    }).subscriptions.map((sub) => sub.hmac?.tolerance);
    expect(tolerances).toEqual([{ pastSec: 300, futureSec: 5 }, false]);
  });
});
