import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./processes.ts";
import { waitFor } from "./wait-for.ts";

const run = promisify(execFile);
const redisCli = async (port: number, ...args: string[]) =>
  (await run("redis-cli", ["-p", String(port), ...args])).stdout.trim();

export const sentinelMasterName = "skyhook";

/**
 * A primary, `replicas` replicas and three sentinels of this test's own, on free ports. The
 * sentinels agree (quorum 2) that the primary is down 1 s after it stops answering and promote
 * a replica; the other replicas are then pointed at the new primary.
 */
export async function startPrivateSentinel(replicas = 2) {
  const dir = await mkdtemp(join(tmpdir(), "skyhook-sentinel-"));
  const children = new Map<number, ChildProcess>();
  const server = (port: number, args: string[]) => {
    children.set(
      port,
      spawn(
        "redis-server",
        [
          ...args,
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          // Replicas write the snapshot they sync from: here, not in the working directory.
          "--dir",
          dir,
          "--dbfilename",
          `dump-${port}.rdb`,
        ],
        { stdio: "ignore" },
      ),
    );
  };
  const answering = (ports: number[]) =>
    waitFor(`redis on ${ports.join(", ")}`, async () => {
      try {
        for (const port of ports) await redisCli(port, "ping");
        return true;
      } catch {
        return undefined;
      }
    });

  const primary = await freePort();
  server(primary, ["--maxmemory-policy", "noeviction"]);
  const replicaPorts: number[] = [];
  for (let i = 0; i < replicas; i++) {
    const port = await freePort();
    replicaPorts.push(port);
    server(port, ["--maxmemory-policy", "noeviction", "--replicaof", "127.0.0.1", String(primary)]);
  }
  await answering([primary, ...replicaPorts]);
  await waitFor("every replica in sync", async () => {
    const info = await redisCli(primary, "info", "replication");
    return info.includes(`connected_slaves:${replicas}`) &&
      (info.match(/state=online/g) ?? []).length === replicas
      ? true
      : undefined;
  });

  const sentinels: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    sentinels.push(port);
    // Sentinel rewrites its configuration file as it learns the topology: one file each.
    const file = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      file,
      [
        `sentinel monitor ${sentinelMasterName} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${sentinelMasterName} 1000`,
        `sentinel failover-timeout ${sentinelMasterName} 10000`,
        `sentinel parallel-syncs ${sentinelMasterName} ${replicas}`,
        "",
      ].join("\n"),
    );
    children.set(
      port,
      spawn("redis-server", [file, "--sentinel", "--port", String(port), "--bind", "127.0.0.1"], {
        stdio: "ignore",
      }),
    );
  }
  await answering(sentinels);
  await waitFor(
    "the sentinels see every replica and each other",
    async () => {
      for (const port of sentinels) {
        const master = await redisCli(port, "sentinel", "master", sentinelMasterName);
        const lines = master.split("\n");
        const field = (name: string) => Number(lines[lines.indexOf(name) + 1]);
        if (field("num-slaves") !== replicas || field("num-other-sentinels") !== 2)
          return undefined;
      }
      return true;
    },
    30_000,
  );

  const stop = async (port: number) => {
    const child = children.get(port);
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGKILL");
    await once(child, "exit");
  };
  return {
    primary,
    replicas: replicaPorts,
    /** The value of `REDIS_SENTINELS` for the apps. */
    sentinelsEnv: sentinels.map((port) => `127.0.0.1:${port}`).join(","),
    /** The port of the server the sentinels currently name as primary. */
    async currentPrimary() {
      const reply = await redisCli(
        sentinels[0] ?? 0,
        "sentinel",
        "get-master-addr-by-name",
        sentinelMasterName,
      );
      return Number(reply.split("\n")[1]);
    },
    killPrimary: () => stop(primary),
    /**
     * Cuts the replicas off the primary, as a network partition would: their links are killed
     * and every reconnection fails its handshake (a password the primary does not have), so
     * writes from now on exist on the primary alone.
     */
    async partitionReplicas() {
      for (const port of replicaPorts)
        await redisCli(port, "config", "set", "masterauth", "partitioned");
      await redisCli(primary, "client", "kill", "type", "replica");
    },
    /** Lets the replicas connect to a primary again (the promoted one, after a failover). */
    async healReplicas() {
      for (const port of replicaPorts) await redisCli(port, "config", "set", "masterauth", "");
    },
    async stop() {
      for (const port of children.keys()) await stop(port);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
