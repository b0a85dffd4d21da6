import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.ts";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const withoutListenSettings = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(env).filter(
      ([name]) => !["PORT", "HOST", "OPS_PORT", "OPS_HOST"].includes(name),
    ),
  );

export type LogLine = Record<string, unknown> & { msg?: string };

export type AppProcess = {
  child: ChildProcess;
  logs: LogLine[];
  output: () => string;
  waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/**
 * Starts `apps/<app>/src/main.ts` as its own Node process, exactly as the README runs it: by
 * default this Node with tsx from the repository; `runtime` names another Node binary that
 * strips the types itself (the production image's Node 24) and the tree it runs in.
 */
export function spawnApp(
  app: "ingress" | "worker" | "dashboard",
  env: Record<string, string>,
  runtime?: { nodePath: string; cwd: string },
  ports: "free ops port" | "defaults" = "free ops port",
): AppProcess {
  const entry = `apps/${app}/src/main.ts`;
  const [command, args] =
    runtime === undefined
      ? [process.execPath, ["--import", "tsx", entry]]
      : [runtime.nodePath, [entry]];
  const child = spawn(command, args, {
    cwd: runtime?.cwd ?? repoRoot,
    // OPS_PORT 0: processes of parallel tests must not fight over the default ops port.
    env: {
      ...(ports === "defaults" ? withoutListenSettings(process.env) : process.env),
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      ...(ports === "defaults" ? {} : { OPS_PORT: "0" }),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  let text = "";
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    partial += chunk.toString("utf8");
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line (a stack trace on crash, say): kept in `output()` for the failure message.
      }
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);

  return {
    child,
    logs,
    output: () => text,
    async waitForLog(what, match, timeoutMs = 20_000) {
      try {
        return await waitFor(what, () => logs.find(match), timeoutMs);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- ${app} output ---\n${text}`);
      }
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The base URL of a process's ops server (`/healthz`, `/readyz`, `/metrics`), from its log. */
export async function opsUrlOf(app: AppProcess): Promise<string> {
  const line = await app.waitForLog(
    "ops server listening",
    (l) => l.msg === "ops server listening",
  );
  return `http://127.0.0.1:${String(line.port)}`;
}
