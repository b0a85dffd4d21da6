import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The checkout this CLI belongs to: the one `new-handler` changes unless told otherwise. Not
 * the working folder, and never `INIT_CWD`: npx and pnpm set that for every child process, so a
 * CLI started by a test (or a script) in a copy of the checkout would change the original.
 */
export const ownRepository = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

/**
 * How to run pnpm in `root`: the `pnpm` on PATH when it has the major version the workspace
 * pins (`packageManager`), else that exact version through npx, as the quick-start scripts do —
 * a newcomer may have no pnpm at all.
 */
export function pnpmCommand(root: string): [string, ...string[]] {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    packageManager: string;
  };
  const version = manifest.packageManager.replace(/^pnpm@/, "");
  const major = version.split(".")[0] ?? version;
  const onPath = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim().split(".")[0] === major) return ["pnpm"];
  return ["npx", "-y", `pnpm@${version}`];
}

/** Biome from the checkout's own dependencies, run by this Node: no pnpm needed. */
export function biomeCommand(root: string): [string, ...string[]] {
  const bin = createRequire(join(root, "package.json")).resolve("@biomejs/biome/bin/biome");
  return [process.execPath, bin];
}
