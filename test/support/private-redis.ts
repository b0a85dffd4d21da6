import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./processes.ts";
import { waitFor } from "./wait-for.ts";

export type Persistence =
  | { appendfsync: "always" | "everysec"; dir: string }
  /** Nothing on disk: a restart starts empty. */
  | undefined;

/**
 * A redis-server of this test's own, on a free port, that the test may kill and restart. With
 * `persistence` it keeps an append-only file in `dir`, and a server started again on the same
 * port and directory loads it, as a restarted production Redis would.
 */
export async function startPrivateRedis(
  port?: number,
  persistence?: Persistence,
  extraArgs: readonly string[] = [],
) {
  const chosen = port ?? (await freePort());
  // A replica writes the snapshot it syncs from to disk even with `--save ""`: never into the
  // working directory (the repository).
  const snapshot = join(tmpdir(), `skyhook-redis-${chosen}.rdb`);
  // One left by an earlier run would be loaded at start.
  if (persistence === undefined) await rm(snapshot, { force: true });
  const disk =
    persistence === undefined
      ? ["--appendonly", "no", "--dir", tmpdir(), "--dbfilename", basename(snapshot)]
      : ["--appendonly", "yes", "--appendfsync", persistence.appendfsync, "--dir", persistence.dir];
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(chosen),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      ...disk,
      "--maxmemory-policy",
      "noeviction",
      ...extraArgs,
    ],
    { stdio: "ignore" },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("redis-server did not start");
  const probe = new Redis(chosen, "127.0.0.1", {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  // Refused connections are expected while the server starts; the probe retries by itself.
  probe.on("error", () => undefined);
  await waitFor(`redis-server on ${chosen}`, async () => {
    try {
      if (probe.status !== "ready") await probe.connect();
      return (await probe.ping()) === "PONG" ? true : undefined;
    } catch {
      probe.disconnect();
      return undefined;
    }
  });
  probe.disconnect();
  const signal = (name: "SIGSTOP" | "SIGCONT") => {
    process.kill(pid, name);
  };
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    pid,
    /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
    pause() {
      signal("SIGSTOP");
    },
    /** Thaws it (SIGCONT): what was sent while frozen is executed now. */
    resume() {
      signal("SIGCONT");
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await once(child, "exit");
      if (persistence === undefined) await rm(snapshot, { force: true });
    },
  };
}
