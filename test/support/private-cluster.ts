import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster } from "ioredis";
import { freePort } from "./processes.ts";
import { waitFor } from "./wait-for.ts";

const run = promisify(execFile);

/**
 * A Redis Cluster of this test's own: `masters` redis-server processes on free ports, joined
 * with `redis-cli --cluster create`, slots spread over all of them. Nothing is kept on disk.
 */
export async function startPrivateCluster(masters = 3) {
  const dir = await mkdtemp(join(tmpdir(), "skyhook-cluster-"));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    const nodeDir = join(dir, String(port));
    await mkdir(nodeDir);
    ports.push(port);
    children.push(
      spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          join(nodeDir, "nodes.conf"),
          "--dir",
          nodeDir,
          "--save",
          "",
          "--appendonly",
          "no",
          "--maxmemory-policy",
          "noeviction",
        ],
        { stdio: "ignore" },
      ),
    );
  }
  const nodes = ports.map((port) => ({ host: "127.0.0.1", port }));
  await waitFor("every cluster node answering", async () => {
    try {
      for (const port of ports) await run("redis-cli", ["-p", String(port), "ping"]);
      return true;
    } catch {
      return undefined;
    }
  });
  await run("redis-cli", [
    "--cluster",
    "create",
    ...ports.map((port) => `127.0.0.1:${port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  await waitFor("cluster_state:ok on every node", async () => {
    for (const port of ports) {
      const { stdout } = await run("redis-cli", ["-p", String(port), "cluster", "info"]);
      if (!stdout.includes("cluster_state:ok")) return undefined;
    }
    return true;
  });
  return {
    nodes,
    /** The value of `REDIS_CLUSTER_NODES` for the apps. */
    nodesEnv: nodes.map((n) => `${n.host}:${n.port}`).join(","),
    connect: () => new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } }),
    async stop() {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
