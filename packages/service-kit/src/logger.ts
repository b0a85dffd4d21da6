import { type DestinationStream, type Logger, pino } from "pino";
import { createRedactor, redactedValue } from "./redaction.ts";

export type LoggerOptions = {
  name: string;
  level: string;
  /** Personal-data field names (REDACT_FIELDS), redacted at any depth of a logged object. */
  redactFields: readonly string[];
  /** Where lines go; stdout when omitted. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
};

/**
 * One structured logger per process. Code never logs credentials or payloads on purpose; the
 * two redaction layers make an accident harmless.
 *
 * pino's own `redact` paths are fixed-depth (`*` stands for exactly one level), so they keep
 * the credential and payload keys, whose places are known. Personal data can sit at any depth,
 * so the object given to each log call goes through `createRedactor` in `formatters.log`, which
 * runs before pino serialises it. Bindings given to `child()` skip that hook (pino serialises
 * them once, at creation): bind identifiers only, as the conventions ask.
 */
export function createLogger(options: LoggerOptions): Logger {
  const redact = createRedactor(options.redactFields);
  return pino(
    {
      name: options.name,
      level: options.level,
      base: { service: options.name },
      serializers: { err: serializeError },
      formatters: {
        log: (object) => {
          const redacted = redact(object);
          return isRecord(redacted) ? redacted : object;
        },
      },
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
        censor: redactedValue,
      },
    },
    options.destination,
  );
}

/**
 * pino's error serializer, minus the arguments of a failed Redis command: ioredis attaches the
 * command to its errors (`command: { name, args }`), and those arguments are passwords (a
 * refused `AUTH`) or event data (a failed script's job). The command's name is kept.
 */
function serializeError(err: Error): Record<string, unknown> {
  const serialized: Record<string, unknown> = pino.stdSerializers.err(err);
  const command = serialized.command;
  if (isRecord(command)) serialized.command = { name: command.name };
  return serialized;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type { Logger };
