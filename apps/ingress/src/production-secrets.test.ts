import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { configErrorOf } from "../../../test/support/config-error.ts";
import { loadIngressConfig } from "./config.ts";
import { productionSigningSecretReason } from "./subscriptions/production-secrets.ts";

const whsec = (bytes: number) => `whsec_${randomBytes(bytes).toString("base64")}`;
const production = {
  NODE_ENV: "production",
  SPOTNANA_CLIENT_ID: "acme-spotnana",
  SPOTNANA_CLIENT_SECRET: randomBytes(24).toString("hex"),
  SPOTNANA_SIGNING_SECRETS: whsec(32),
  TOKEN_SIGNING_KEY: randomBytes(32).toString("base64"),
};

/** The problems of a production environment with `changes` applied. */
const problemsWith = (changes: Record<string, string>) =>
  configErrorOf(() => loadIngressConfig({ ...production, ...changes })).problems;

describe("production secrets", () => {
  it("accepts generated secrets of the required sizes", () => {
    expect(loadIngressConfig(production).nodeEnv).toBe("production");
    const atMinimum = {
      ...production,
      SPOTNANA_CLIENT_SECRET: randomBytes(16).toString("hex"),
      SPOTNANA_SIGNING_SECRETS: whsec(24),
      TOKEN_SIGNING_KEY: randomBytes(24).toString("base64"),
    };
    expect(loadIngressConfig(atMinimum).devDefaultsInUse).toEqual([]);
  });

  it("lets every generated signing secret of 24 bytes or more pass", () => {
    for (let i = 0; i < 2_000; i++) {
      expect(productionSigningSecretReason(whsec(24))).toBeUndefined();
      expect(productionSigningSecretReason(whsec(32))).toBeUndefined();
    }
  });

  it.each([
    ["SPOTNANA_CLIENT_SECRET", "x7Rk2pQ9vL4mN8sT1wY6zB3cD5fG0hJ", /shorter than 32 characters/],
    ["SPOTNANA_CLIENT_SECRET", "replace-with-a-long-random-secret", /placeholder/],
    ["SPOTNANA_CLIENT_SECRET", "abcdefghijklmnopqrstuvwxyz0123456789", /predictable/],
    ["TOKEN_SIGNING_KEY", "k".repeat(48), /predictable/],
    ["TOKEN_SIGNING_KEY", "replace-with-at-least-32-random-characters-please", /placeholder/],
  ])("refuses %s=%s, naming the variable and the reason", (name, value, reason) => {
    const problems = problemsWith({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
    expect(problems[0]).toMatch(reason);
    expect(problems[0]).toMatch(/\(refused when NODE_ENV=production\)$/);
    expect(problems[0]).not.toContain(value);
  });

  it("refuses a signing secret whose key is under 24 bytes, or a placeholder, in production only", () => {
    const short = whsec(16);
    expect(problemsWith({ SPOTNANA_SIGNING_SECRETS: `${whsec(32)} ${short}` })).toEqual([
      "SPOTNANA_SIGNING_SECRETS (secret 2): its key is 16 bytes, fewer than 24 (refused when NODE_ENV=production)",
    ]);
    const placeholder = `whsec_${Buffer.from("replace-with-spotnanas-secret").toString("base64")}`;
    const [refused] = problemsWith({ SPOTNANA_SIGNING_SECRETS: placeholder });
    expect(refused).toMatch(
      /^SPOTNANA_SIGNING_SECRETS \(secret 1\): its decoded key looks like a placeholder/,
    );
    expect(refused).not.toContain(placeholder.slice(6));
    const zeros = `whsec_${Buffer.alloc(32).toString("base64")}`;
    expect(problemsWith({ SPOTNANA_SIGNING_SECRETS: zeros })[0]).toMatch(/predictable/);

    const development = { SPOTNANA_SIGNING_SECRETS: short };
    expect(loadIngressConfig(development).subscriptions[0]?.hmac).toBeDefined();
  });

  it("holds previous client secrets and previous token keys to the same rules", () => {
    expect(problemsWith({ SPOTNANA_CLIENT_SECRET_PREVIOUS: "short-old-secret" })).toEqual([
      "SPOTNANA_CLIENT_SECRET_PREVIOUS: shorter than 32 characters (refused when NODE_ENV=production)",
    ]);
    const previous = `${randomBytes(32).toString("base64")} ${"a".repeat(40)}`;
    expect(problemsWith({ TOKEN_PREVIOUS_SIGNING_KEYS: previous })).toEqual([
      expect.stringMatching(/^TOKEN_PREVIOUS_SIGNING_KEYS \(key 2 of 2\): too predictable/),
    ]);
  });
});
