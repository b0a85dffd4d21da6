import { spawn } from "node:child_process";
import { once } from "node:events";
import { createProgram } from "@skyhook/cli";
import { repoRoot } from "./processes.ts";

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs a command with no terminal and collects what it printed and how it exited. */
export async function runCapturing(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Runs `skyhook <args>` as its own process, the way `pnpm skyhook` does, with no terminal. */
export const runCli = (args: readonly string[], env: Record<string, string>) =>
  runCapturing(process.execPath, ["--import", "tsx", "apps/cli/src/main.ts", ...args], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
  });

export type InProcessCliResult = { code: number; out: string; err: string };

/**
 * Runs `skyhook <args>` in this process (its commands read `env`, not the test's environment),
 * for tests that run the CLI against Redis servers they start themselves.
 */
export async function runCliInProcess(
  args: readonly string[],
  env: Record<string, string>,
): Promise<InProcessCliResult> {
  let out = "";
  let err = "";
  const program = createProgram({
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    interactive: false,
    env: { LOG_LEVEL: "warn", ...env },
  });
  const code = await program.run(args);
  return { code, out, err };
}
