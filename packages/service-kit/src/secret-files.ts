import { readFileSync, statSync } from "node:fs";

/**
 * Every variable that holds a secret, in any Skyhook process. Each may instead be given as a
 * file, `<NAME>_FILE=/path` (Docker and Kubernetes secrets are mounted as files, and a value
 * in a file stays out of `ps`, `/proc/<pid>/environ` and `docker inspect`).
 */
export const secretVariables = [
  "REDIS_URL",
  "SPOTNANA_CLIENT_SECRET",
  "SPOTNANA_CLIENT_SECRET_PREVIOUS",
  "SPOTNANA_SIGNING_SECRETS",
  "TOKEN_SIGNING_KEY",
  "TOKEN_PREVIOUS_SIGNING_KEYS",
  "DASHBOARD_PASSWORD",
  "NOTIFY_AUTHORIZATION",
] as const;

const secretNames: ReadonlySet<string> = new Set(secretVariables);

/** A secret is a line or a few; anything larger is the wrong file, not read into memory. */
const maxSecretFileBytes = 64 * 1024;

const setValue = (env: NodeJS.ProcessEnv, name: string) => {
  const value = env[name]?.trim();
  return value === "" ? undefined : value;
};

/**
 * A secret variable's value, from the environment or from the file `<NAME>_FILE` names (its
 * trailing newlines dropped), or the problem that keeps it from being read. Problems name the
 * variable and the path, never the content.
 */
export function readSecretVariable(
  env: NodeJS.ProcessEnv,
  name: string,
): { value: string | undefined; problem?: string } {
  const direct = setValue(env, name);
  const path = secretNames.has(name) ? setValue(env, `${name}_FILE`) : undefined;
  if (path === undefined) return { value: direct };
  if (direct !== undefined)
    return { value: direct, problem: `${name}, ${name}_FILE: set one of them, not both` };
  const fileName = `${name}_FILE`;
  let content: string;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return { value: undefined, problem: `${fileName}: ${path} is not a file` };
    if (stats.size > maxSecretFileBytes)
      return {
        value: undefined,
        problem: `${fileName}: ${path} is larger than ${maxSecretFileBytes / 1024} KiB; it is not a secret`,
      };
    content = readFileSync(path, "utf8");
  } catch (err) {
    const code =
      typeof err === "object" && err !== null && "code" in err ? String(err.code) : "unreadable";
    return { value: undefined, problem: `${fileName}: cannot read ${path} (${code})` };
  }
  const value = content.replace(/[\r\n]+$/, "");
  if (value.trim() === "") return { value: undefined, problem: `${fileName}: ${path} is empty` };
  return { value };
}

/**
 * The environment with every `<NAME>_FILE` of a secret variable read into `<NAME>`, and the
 * problems met doing so. The `_FILE` variables are dropped from the result, so resolving it
 * again reads nothing and reports nothing twice.
 */
export function withSecretFiles(env: NodeJS.ProcessEnv): {
  env: NodeJS.ProcessEnv;
  problems: string[];
} {
  const resolved: NodeJS.ProcessEnv = { ...env };
  const problems: string[] = [];
  for (const name of secretVariables) {
    if (setValue(env, `${name}_FILE`) === undefined) continue;
    const read = readSecretVariable(env, name);
    if (read.problem !== undefined) problems.push(read.problem);
    if (read.value === undefined) delete resolved[name];
    else resolved[name] = read.value;
    delete resolved[`${name}_FILE`];
  }
  return { env: resolved, problems };
}
