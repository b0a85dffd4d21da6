// Baseline: an Express app answering 200 to every delivery, reading nothing. The ceiling an
// Express ingress on this machine could reach.
import express from "express";

const app = express();
app.get("/healthz", (_req, res) => {
  res.status(200).end();
});
app.post("/webhooks/spotnana", (_req, res) => {
  res.status(200).json({ status: "accepted" });
});
app.listen(Number(process.env.PORT), "127.0.0.1", () => {
  process.stdout.write(`bare express listening on ${process.env.PORT}\n`);
});
