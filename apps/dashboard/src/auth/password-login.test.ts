import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { hashPassword, parsePasswordHash } from "@skyhook/service-kit";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGate } from "./gate.ts";
import type { LoginLimiter } from "./login-limiter.ts";
import { createPasswordLogin } from "./password-login.ts";
import type { PasswordUser } from "./users-file.ts";

const basic = (raw: string) => `Basic ${Buffer.from(raw).toString("base64")}`;

/** Judges every attempt: the limit itself is tested against Redis in test/. */
const unlimited: LoginLimiter = {
  attempt: async (_address, judge) => ({ judged: true, ok: await judge() }),
};

describe("password login over HTTP Basic", () => {
  const logLines: string[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const parsed = parsePasswordHash(await hashPassword("hashed pass", { logN: 10, r: 8, p: 1 }));
    if (!parsed.ok) throw new Error(parsed.reason);
    const users: PasswordUser[] = [
      { name: "ops", role: "operator", secret: { kind: "plain", password: "pass:with:colons" } },
      { name: "ada", role: "viewer", secret: { kind: "hash", hash: parsed.hash } },
    ];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: "debug" }, sink);
    const gate = createGate({
      authenticate: createPasswordLogin({ users, limiter: unlimited, logger }),
      readOnly: false,
    });
    const app = express();
    app.use(gate.middleware);
    app.get("/inside", (req, res) => {
      res.json(gate.identityOf(req));
    });
    server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inside`;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });

  beforeEach(() => {
    logLines.length = 0;
  });

  const expectRefused = async (res: Response, message: string) => {
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Basic realm="skyhook-dashboard"');
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message } });
  };

  it("lets the right user and password through with its role, a password containing colons included", async () => {
    const res = await fetch(url, { headers: { authorization: basic("ops:pass:with:colons") } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "ops", role: "operator", via: "password" });
  });

  it("signs a users-file user in by the password its scrypt hash was made from, and no other", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url, { headers: { authorization: basic("ada:hashed pass") } });
      expect(await res.json()).toEqual({ name: "ada", role: "viewer", via: "password" });
    }
    await expectRefused(
      await fetch(url, { headers: { authorization: basic("ada:hashed pas") } }),
      "invalid user name or password",
    );
  });

  it("challenges a request without credentials", async () => {
    await expectRefused(await fetch(url), "HTTP Basic credentials are required");
  });

  it.each([
    ["a Bearer token", "Bearer abc.def.ghi"],
    ["Basic without a colon", basic("ops")],
    ["an empty Basic value", "Basic "],
  ])("challenges %s as missing credentials", async (_label, authorization) => {
    await expectRefused(
      await fetch(url, { headers: { authorization } }),
      "HTTP Basic credentials are required",
    );
  });

  it.each([
    ["a wrong password", "ops:pass:with"],
    ["a wrong user", "admin:pass:with:colons"],
    ["a user differing only in case", "OPS:pass:with:colons"],
    ["another user's password", "ada:pass:with:colons"],
    ["empty user and password", ":"],
  ])("refuses %s", async (_label, raw) => {
    await expectRefused(
      await fetch(url, { headers: { authorization: basic(raw) } }),
      "invalid user name or password",
    );
  });

  it("logs a refused login without the attempted user name or password", async () => {
    await fetch(url, { headers: { authorization: basic("typed-my-password-here:guess-123") } });
    const entries: unknown[] = logLines.map((line) => JSON.parse(line));
    expect(entries).toContainEqual(
      expect.objectContaining({ level: 40, msg: "dashboard login refused", path: "/inside" }),
    );
    const all = logLines.join("");
    expect(all).not.toContain("typed-my-password-here");
    expect(all).not.toContain("guess-123");
  });
});
