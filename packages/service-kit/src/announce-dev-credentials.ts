import type { Logger } from "pino";

/**
 * Says loudly that development credentials are in use. The structured log gets their names
 * only, since it must never carry credentials; the values (public, in the README) go to a
 * banner on stderr for the person at the terminal.
 */
export function announceDevCredentials(
  logger: Logger,
  service: string,
  inUse: Readonly<Record<string, string>>,
): void {
  const names = Object.keys(inUse);
  if (names.length === 0) return;
  logger.warn(
    { devDefaults: names },
    "DEVELOPMENT-ONLY CREDENTIALS in use (refused when NODE_ENV=production)",
  );
  const values = Object.entries(inUse).map(([name, value]) => `\n    ${name}=${value}`);
  console.error(
    `\n  ${service} is running on DEVELOPMENT-ONLY credentials:${values.join("")}` +
      `\n  Set ${names.join(", ")} before exposing it.\n`,
  );
}
