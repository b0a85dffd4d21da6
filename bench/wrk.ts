import { execFile, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import { repoRoot } from "./processes.ts";

const run = promisify(execFile);
const luaScript = fileURLToPath(new URL("./wrk-pool.lua", import.meta.url));

const wrkInstallHint =
  "the benchmark's load generator is wrk (Debian: apt-get install -y wrk; " +
  "scripts/test.sh, which .ci/run runs, installs it through scripts/lib.sh ensure_wrk when run as root)";

const haveWrk = () => spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;

/** Makes sure wrk is on PATH, installing it the way scripts/lib.sh does when it can. */
export function ensureWrk(): void {
  if (haveWrk()) return;
  spawnSync("bash", ["-c", "source scripts/lib.sh && ensure_wrk"], {
    cwd: repoRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (!haveWrk()) throw new Error(`wrk not found: ${wrkInstallHint}`);
}

export type RawRequest = { path: string; headers: Record<string, string>; body: string };

/** Writes requests in the pool format wrk-pool.lua reads: a length line, then the bytes. */
export async function writePool(
  file: string,
  hostPort: string,
  requests: Iterable<RawRequest>,
): Promise<number> {
  const out = createWriteStream(file);
  let count = 0;
  for (const r of requests) {
    const head = Object.entries(r.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    const raw = Buffer.from(
      `POST ${r.path} HTTP/1.1\r\nHost: ${hostPort}\r\n${head}Content-Length: ${Buffer.byteLength(r.body)}\r\n\r\n${r.body}`,
    );
    if (!out.write(`${raw.length}\n`) || !out.write(raw)) await once(out, "drain");
    count++;
  }
  out.end();
  await once(out, "finish");
  return count;
}

const WrkSummary = z.object({
  requests: z.number(),
  durationUs: z.number(),
  non2xx: z.number(),
  connectErrors: z.number(),
  readErrors: z.number(),
  writeErrors: z.number(),
  timeouts: z.number(),
  exhausted: z.number(),
  p99Us: z.number(),
});
export type WrkResult = z.infer<typeof WrkSummary> & { requestsPerSec: number };

/** One wrk run over a pool: one thread (the machine has two cores), `connections` open. */
export async function runWrk(options: {
  url: string;
  pool: string;
  mode: "once" | "cycle";
  connections: number;
  seconds: number;
}): Promise<WrkResult> {
  const { stdout } = await run(
    "wrk",
    [
      "-t1",
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--timeout",
      "10s",
      "-s",
      luaScript,
      options.url,
      "--",
      options.pool,
      options.mode,
    ],
    { maxBuffer: 1024 * 1024 },
  );
  const line = stdout.split("\n").find((l) => l.startsWith("{"));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
  const summary = WrkSummary.parse(JSON.parse(line));
  const good = summary.requests - summary.non2xx;
  return { ...summary, requestsPerSec: good / (summary.durationUs / 1e6) };
}
