import { Router } from "express";

/** `/healthz`: the process serves requests. `/readyz`: it can also store events right now. */
export function healthRouter(isReady: () => Promise<boolean>): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.status(200).json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const ready = await isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "redis unavailable" });
  });
  return router;
}
