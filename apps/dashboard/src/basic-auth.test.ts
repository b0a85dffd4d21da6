import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { requireBasicAuth } from "./basic-auth.ts";

const credentials = { user: "ops", password: "pass:with:colons" };
const basic = (raw: string) => `Basic ${Buffer.from(raw).toString("base64")}`;

describe("requireBasicAuth", () => {
  const logLines: string[] = [];
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const app = express();
    app.use(requireBasicAuth(credentials, pino({ level: "debug" }, sink)));
    app.get("/inside", (_req, res) => {
      res.json({ inside: true });
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

  it("lets the right user and password through, a password containing colons included", async () => {
    const res = await fetch(url, { headers: { authorization: basic("ops:pass:with:colons") } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ inside: true });
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
