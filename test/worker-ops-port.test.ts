import { once } from "node:events";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { spawnApp } from "./support/processes.ts";
import { uniquePrefix } from "./support/redis.ts";

describe("a worker whose ops port is taken", () => {
  it("exits naming OPS_PORT before it consumes anything", async () => {
    const squatter = createServer();
    squatter.listen(0, "127.0.0.1");
    await once(squatter, "listening");
    const address = squatter.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const worker = spawnApp("worker", {
        QUEUE_PREFIX: uniquePrefix("ops-port"),
        OPS_PORT: String(port),
        OPS_HOST: "127.0.0.1",
      });
      const code = await new Promise<number | null>((resolve) => worker.child.on("exit", resolve));
      expect(code).toBe(1);
      expect(worker.output()).toContain("OPS_PORT");
      expect(worker.logs.some((line) => line.msg === "consuming")).toBe(false);
    } finally {
      squatter.close();
    }
  });
});
