import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../test/support/processes.ts";
import { waitFor } from "../../test/support/wait-for.ts";

export type BenchProcess = {
  name: string;
  pid: number;
  /** The exit code or signal once it has exited; undefined while it runs. */
  exit(): string | undefined;
  /** What the process wrote so far (its log file), for failure messages. */
  output(): string;
  /** The last lines it wrote, for a failure message that stays readable. */
  tail(lines?: number): string;
  stop(): Promise<void>;
};

/**
 * Only what Node needs from the caller's environment: a REDIS_URL, QUEUE_PREFIX or SPOTNANA_*
 * variable of the shell must not change what a benchmarked process does.
 */
function baseEnv(): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG"]) {
    const value = process.env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/**
 * Runs a TypeScript entry point as its own Node process, as `spawnApp` does, but with its
 * output in a file: at thousands of requests a second the ingress logs a line each, and a
 * benchmark that kept them in its own memory (or parsed them) would measure itself.
 */
export function spawnScript(
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
): BenchProcess {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, "w");
  // `BENCH_CPU_PROF_DIR`: every benchmarked process writes a V8 CPU profile on exit, into
  // `<dir>/<name>/`, for docs/benchmarks.md's "where the time goes".
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const profile =
    profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, name)}`];
  // `BENCH_NODE`: a Node that strips types itself (24, as the production image runs the apps)
  // runs every benchmarked process without tsx.
  const node = process.env.BENCH_NODE;
  const runner = node === undefined ? [process.execPath, "--import", "tsx"] : [node];
  const [command = process.execPath, ...runnerArgs] = runner;
  const child: ChildProcess = spawn(command, [...runnerArgs, ...profile, entry], {
    cwd: repoRoot,
    env: { ...baseEnv(), NODE_ENV: "production", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  const pid = child.pid;
  const exited = once(child, "exit");
  let exit: string | undefined;
  child.on("exit", (code, signal) => {
    exit = signal ?? `code ${String(code)}`;
  });
  const output = () => readFileSync(logPath, "utf8");
  return {
    name,
    pid,
    exit: () => exit,
    output,
    tail: (lines = 20) => output().trimEnd().split("\n").slice(-lines).join("\n"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `probe` holds, failing with the process's last output if it exits or times out. */
export async function waitUntilReady(
  proc: BenchProcess,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  try {
    await waitFor(
      `${proc.name} to be ready`,
      async () => {
        const exit = proc.exit();
        if (exit !== undefined) throw new Error(`${proc.name} exited (${exit})`);
        try {
          return (await probe()) ? true : undefined;
        } catch {
          return undefined;
        }
      },
      timeoutMs,
      100,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${proc.name} ---\n${proc.tail()}`);
  }
}

/** True once `url` answers 200. */
export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status === 200;
}
