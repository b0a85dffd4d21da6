import { type BenchProcess, freePort, spawnLogged, waitUntilReady } from "./processes.ts";

export type RedisServer = {
  url: string;
  port: number;
  pid: number;
  proc: BenchProcess;
  stop(): Promise<void>;
};

/**
 * A redis-server of the benchmark's own on a free port, its log and any file it writes in
 * `dir`: nothing on disk unless `args` ask for it (`--appendonly yes`, `--replicaof …`; a later
 * argument overrides an earlier one). Ready once its log says it accepts connections.
 */
export async function startRedisServer(
  name: string,
  dir: string,
  args: readonly string[] = [],
): Promise<RedisServer> {
  const port = await freePort();
  const proc = spawnLogged(
    name,
    [
      "redis-server",
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--dbfilename",
      `${name}.rdb`,
      "--maxmemory-policy",
      "noeviction",
      ...args,
    ],
    dir,
  );
  await waitUntilReady(proc, async () => proc.output().includes("Ready to accept connections"));
  return { url: `redis://127.0.0.1:${port}`, port, pid: proc.pid, proc, stop: () => proc.stop() };
}
