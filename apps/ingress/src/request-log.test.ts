import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createOutcomeSink } from "@skyhook/queue-kit";
import express from "express";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestLog } from "./request-log.ts";

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
const logger = pino({ level: "info" }, sink);
let baseUrl: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const app = express();
  app.use(requestLog(logger, createOutcomeSink(logger)));
  app.get("/ok", (_req, res) => {
    res.status(200).json({});
  });
  app.use((_req, res) => {
    res.status(404).json({});
  });
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

const lineFor = (requestId: string) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const poll = () => {
      const line = lines.find((l) => l.requestId === requestId);
      if (line !== undefined) resolve(line);
      else if (Date.now() > deadline) reject(new Error(`no log line for ${requestId}`));
      else setTimeout(poll, 20);
    };
    poll();
  });

describe("requestLog", () => {
  it("puts Spotnana's X-B3 trace and span ids on the request's log line", async () => {
    const response = await fetch(`${baseUrl}/ok`, {
      headers: {
        "x-request-id": "req-b3",
        "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7",
        "x-b3-spanid": "e457b5a2e4d86bd1",
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("req-b3");
    expect(await lineFor("req-b3")).toMatchObject({
      traceId: "80f198ee56343ba864fe8b2a57d3eff7",
      spanId: "e457b5a2e4d86bd1",
      method: "GET",
      path: "/ok",
      status: 200,
    });
  });

  it("leaves out an id that is not a safe token rather than logging what the sender wrote", async () => {
    await fetch(`${baseUrl}/ok`, {
      headers: { "x-request-id": "req-unsafe", "x-b3-traceid": 'a b;c="d"' },
    });
    expect((await lineFor("req-unsafe")).traceId).toBeUndefined();
  });

  it("logs at most 200 characters of a path the sender chose", async () => {
    const long = `/${"a".repeat(5_000)}`;
    await fetch(`${baseUrl}${long}`, { headers: { "x-request-id": "req-long-path" } });
    const line = await lineFor("req-long-path");
    expect(line.status).toBe(404);
    expect(line.path).toBe(`${long.slice(0, 200)}…`);
  });
});
