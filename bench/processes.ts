import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The checkout: every benchmarked process runs from its root, as the README runs the apps. */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

const handedOut = new Set<number>();
/**
 * A free port not handed out before in this run: a dozen processes get theirs before any of
 * them listens, and the kernel may offer a port twice in that time.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const port = typeof address === "object" && address !== null ? address.port : 0;
    if (port === 0 || handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

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
 * Runs a TypeScript entry point as its own Node process, as the README runs the apps, with its
 * output in a file: at thousands of requests a second the ingress logs a line each, and a
 * benchmark that kept them in its own memory (or parsed them) would measure itself.
 */
export function spawnScript(
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
): BenchProcess {
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
  return spawnLogged(name, [command, ...runnerArgs, ...profile, entry], logDir, {
    ...baseEnv(),
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    ...env,
  });
}

/** Runs `command` from the checkout's root, its output (stdout and stderr) in `<logDir>/<name>.log`. */
export function spawnLogged(
  name: string,
  [command, ...args]: readonly [string, ...string[]],
  logDir: string,
  env: Record<string, string> = baseEnv(),
): BenchProcess {
  const logPath = join(logDir, `${name}.log`);
  const fd = openSync(logPath, "w");
  const child: ChildProcess = spawn(command, args, {
    cwd: repoRoot,
    env,
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
  const fail = (why: string) =>
    new Error(`${proc.name} ${why}\n--- ${proc.name} ---\n${proc.tail()}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exit = proc.exit();
    if (exit !== undefined) throw fail(`exited (${exit})`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw fail(`was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True once `url` answers 200. */
export async function answers200(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status === 200;
}
