import { ConfigError } from "@skyhook/service-kit";

/** Runs `load` expecting a ConfigError and returns it, failing the test otherwise. */
export function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}
