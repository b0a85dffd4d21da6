// Baseline: the "competent naive ingress" of issue 9. Express, express.json, jsonwebtoken
// verifying the Bearer token against a KeyObject (so no key is derived per request), and
// `await queue.add(...)` into BullMQ before answering 200. No dedup, no ledger, no ordering.
import { createSecretKey } from "node:crypto";
import { Queue } from "bullmq";
import express from "express";
import { Redis } from "ioredis";
import jwt from "jsonwebtoken";

const key = createSecretKey(Buffer.from(process.env.NAIVE_TOKEN_KEY ?? "", "base64"));
const connection = new Redis(process.env.REDIS_URL ?? "", { maxRetriesPerRequest: null });
const queue = new Queue("naive-events", { connection });
const verifyOptions = {
  algorithms: ["HS256" as const],
  issuer: "naive-bench",
  audience: "naive-webhooks",
};

const app = express();
app.get("/healthz", (_req, res) => {
  res.status(200).end();
});
app.post("/webhooks/spotnana", express.json({ limit: "10mb" }), async (req, res) => {
  const header = req.get("authorization") ?? "";
  try {
    jwt.verify(header.replace(/^Bearer /, ""), key, verifyOptions);
  } catch {
    res.status(401).json({ error: "unauthorized" });
    return;
  }
  const event = req.body as { event_type?: string; operation?: string };
  const job = await queue.add(`${event.event_type}.${event.operation}`, event);
  res.status(200).json({ status: "accepted", jobId: job.id });
});
app.listen(Number(process.env.PORT), "127.0.0.1", () => {
  process.stdout.write(`naive ingress listening on ${process.env.PORT}\n`);
});
