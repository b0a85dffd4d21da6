import { ConfigError } from "./load-config.ts";

/** Runs a config loader; on a ConfigError prints every problem and exits 1, as start-up must. */
export function exitOnConfigError<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${service}: ${err.message}`);
    process.exit(1);
  }
}
