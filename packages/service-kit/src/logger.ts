import { type Logger, pino } from "pino";

/**
 * One structured logger per process. The redact list is a safety net: code never logs
 * credentials or payloads on purpose, and these paths make an accident harmless.
 */
export function createLogger(options: { name: string; level: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { service: options.name },
    redact: {
      paths: [
        "authorization",
        "*.authorization",
        "headers.authorization",
        "client_secret",
        "*.client_secret",
        "password",
        "*.password",
        "access_token",
        "*.access_token",
        "payload",
        "*.payload",
      ],
      censor: "[redacted]",
    },
  });
}

export type { Logger };
