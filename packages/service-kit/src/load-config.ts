import type { z } from "zod";
import { readSecretVariable, withSecretFiles } from "./secret-files.ts";
import { placeholderWordIn } from "./secret-strength.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/**
 * Parses the environment once with `schema`, secret variables read from their `<NAME>_FILE`
 * where given. On failure every bad variable is named in one error, together with
 * `otherProblems` (checks made on the raw environment), so an operator fixes them all in one
 * go rather than one restart at a time.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
  otherProblems: readonly string[] = [],
): z.output<S> {
  const files = withSecretFiles(env);
  const parsed = schema.safeParse(files.env);
  const problems = [
    ...files.problems,
    ...redisTopologyProblems(env),
    ...productionRedisProblems(files.env),
    ...otherProblems,
  ];
  if (parsed.success && problems.length === 0) return parsed.data;
  const schemaProblems = parsed.success
    ? []
    : parsed.error.issues.map(
        (issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`,
      );
  throw new ConfigError([...schemaProblems, ...problems]);
}

/** One process talks to one topology: naming two is a mistake, not a choice to guess at. */
function redisTopologyProblems(env: NodeJS.ProcessEnv): string[] {
  if (
    envValue(env, "REDIS_CLUSTER_NODES") !== undefined &&
    envValue(env, "REDIS_SENTINELS") !== undefined
  )
    return ["REDIS_CLUSTER_NODES, REDIS_SENTINELS: set one of them, not both"];
  return [];
}

/**
 * Redis's password is in REDIS_URL, which every process reads: the shipped examples' and
 * compose's development password are refused in production wherever they are used. Only
 * placeholders are refused, not short passwords: a managed Redis may hand out its own.
 */
function productionRedisProblems(env: NodeJS.ProcessEnv): string[] {
  if (env.NODE_ENV !== "production") return [];
  let password: string;
  try {
    password = decodeURIComponent(new URL(envValue(env, "REDIS_URL") ?? "").password);
  } catch {
    return []; // not a URL: the schema names REDIS_URL already
  }
  const word = placeholderWordIn(password);
  if (word === undefined) return [];
  return [
    `REDIS_URL: its password looks like a placeholder (contains "${word}"), refused when NODE_ENV=production`,
  ];
}

/**
 * A raw environment value, trimmed; empty means unset. For checks made beside the schema. A
 * secret variable given as `<NAME>_FILE` is read from its file (loadConfig reports a file that
 * cannot be read).
 */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return readSecretVariable(env, name).value?.trim();
}

/**
 * Development credentials let the system start with zero configuration. Production must never
 * run on them, even when someone copies them into the environment by hand.
 */
export function refuseDevDefaults(
  isProduction: boolean,
  values: Record<string, string | undefined>,
  devValues: Record<string, string>,
): string[] {
  if (!isProduction) return [];
  return Object.entries(devValues).flatMap(([name, devValue]) => {
    const value = values[name];
    if (value === undefined) return [`${name}: required when NODE_ENV=production`];
    if (value === devValue)
      return [`${name}: the development default is refused when NODE_ENV=production`];
    return [];
  });
}
