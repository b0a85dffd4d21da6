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
    /** The slot of `key`, as the server computes it. */
    async keySlot(key: string) {
      const { stdout } = await run("redis-cli", [
        "-p",
        String(ports[0]),
        "cluster",
        "keyslot",
        key,
      ]);
      return Number(stdout.trim());
    },
    /** Maps a slot to the port of the master serving it, from the server's own slot table. */
    async slotOwners() {
      const { stdout } = await run("redis-cli", ["-p", String(ports[0]), "cluster", "nodes"]);
      const ranges: { from: number; to: number; port: number }[] = [];
      for (const line of stdout.trim().split("\n")) {
        const fields = line.split(" ");
        const port = Number(fields[1]?.split("@")[0]?.split(":")[1]);
        for (const range of fields.slice(8)) {
          const [from, to] = range.split("-").map(Number);
          if (from !== undefined) ranges.push({ from, to: to ?? from, port });
        }
      }
      return (slot: number) => ranges.find((r) => slot >= r.from && slot <= r.to)?.port ?? 0;
    },
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
