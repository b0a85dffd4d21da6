import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./processes.ts";

export type Instruction = { keyword: string; args: string };
export type Stage = { image: string; name: string | undefined; instructions: Instruction[] };

/**
 * The Dockerfile as stages of instructions: enough of the format (comments, line
 * continuations, global ARG defaults in FROM) to check it without a Docker engine.
 */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const space = line.search(/\s/);
    const keyword = line.slice(0, space).toUpperCase();
    const rest = line.slice(space + 1).trim();
    if (keyword === "ARG" && stages.length === 0) {
      const [name = "", value = ""] = rest.split("=", 2);
      args.set(name, value);
    } else if (keyword === "FROM") {
      const [image = "", as, name] = rest
        .replace(/\$\{(\w+)\}/g, (_, arg: string) => args.get(arg) ?? "")
        .split(/\s+/);
      stages.push({
        image,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`${keyword} before the first FROM`);
      stage.instructions.push({ keyword, args: rest });
    }
  }
  return stages;
}

export const dockerfileStages = (): Stage[] =>
  parseDockerfile(readFileSync(join(repoRoot, "Dockerfile"), "utf8"));

/** The arguments of an exec-form (JSON array) CMD or ENTRYPOINT. */
export function execForm(instruction: Instruction | undefined): string[] {
  if (instruction === undefined) return [];
  const parsed: unknown = JSON.parse(instruction.args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string"))
    throw new Error(`${instruction.keyword} is not in exec form: ${instruction.args}`);
  return parsed;
}

export const last = (stage: Stage, keyword: string): Instruction | undefined =>
  stage.instructions.filter((i) => i.keyword === keyword).at(-1);
