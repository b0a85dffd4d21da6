import { type DestinationStream, type Logger, pino } from "pino";
import { createRedactor, redactedKeyTest, redactedValue } from "./redaction.ts";

export type LoggerOptions = {
  name: string;
  level: string;
  /** Personal-data field names (REDACT_FIELDS), redacted at any depth of a logged object. */
  redactFields: readonly string[];
  /** Where lines go; stdout when omitted. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
};

/**
 * Credentials and payloads: redacted at any depth of every line, whatever REDACT_FIELDS says
 * (a payload is travel data, and REDACT_FIELDS only names personal-data fields).
 */
export const credentialFields: readonly string[] = [
  "authorization",
  "client_secret",
  "password",
  "access_token",
  "payload",
];

/**
 * One structured logger per process. Code never logs credentials or payloads on purpose; the
 * redaction makes an accident harmless.
 *
 * Every logged object goes through `createRedactor` (personal-data fields and credentials, at
 * any depth) in `formatters.log`, before pino serialises it; child bindings go through it once,
 * when the child is made; a serialised error goes through the credential names. An object of
 * primitives only, none under a redacted name (the one line per request: ids, labels and
 * numbers), has nothing to redact and is passed on as it is, without a copy.
 *
 * pino's own `redact` paths are kept for the credential names at the top level only: its
 * wildcard paths (`*.authorization`) ran a redaction pass on every key of every line (about
 * 4 % of the ingress's CPU under load), and what they covered is covered above.
 */
export function createLogger(options: LoggerOptions): Logger {
  const fields = [...options.redactFields, ...credentialFields];
  const redact = createRedactor(fields);
  const isRedacted = redactedKeyTest(fields);
  const nothingToRedact = (object: Record<string, unknown>): boolean => {
    for (const key in object) {
      const value = object[key];
      if (typeof value === "object" && value !== null) return false;
      if (isRedacted(key) && value !== undefined && value !== null) return false;
    }
    return true;
  };
  const credentialsOnly = createRedactor(credentialFields);
  const redactCredentials = (object: Record<string, unknown>): Record<string, unknown> => {
    const redacted = credentialsOnly(object);
    return isRecord(redacted) ? redacted : object;
  };
  const redactRecord = (object: Record<string, unknown>): Record<string, unknown> => {
    if (nothingToRedact(object)) return object;
    const redacted = redact(object);
    return isRecord(redacted) ? redacted : object;
  };
  const logger = pino(
    {
      name: options.name,
      level: options.level,
      base: { service: options.name },
      // An error's own fields (`name`, a command's `name`) are not personal data: only the
      // credential names are redacted in it, as pino's paths did, but at any depth.
      serializers: { err: (err: Error) => redactCredentials(serializeError(err)) },
      formatters: { log: redactRecord },
      redact: { paths: [...credentialFields], censor: redactedValue },
    },
    options.destination,
  );
  // Bindings skip `formatters.log` (pino serialises them once, when the child is made, and
  // resets the bindings formatter for children), so they are redacted here, once per child.
  // A child is made with Object.create(parent): every descendant inherits this method.
  const makeChild = logger.child;
  logger.child = function child(this: Logger, bindings, childOptions) {
    return makeChild.call(this, redactRecord(bindings), childOptions);
  } as Logger["child"];
  return logger;
}

/**
 * pino's error serializer, minus the arguments of a failed Redis command: ioredis attaches the
 * command to its errors (`command: { name, args }`), and those arguments are passwords (a
 * refused `AUTH`) or event data (a failed script's job). The command's name is kept.
 */
function serializeError(err: Error): Record<string, unknown> {
  // A plain copy: pino's result has its own prototype, which the redactor does not walk.
  const serialized: Record<string, unknown> = { ...pino.stdSerializers.err(err) };
  const command = serialized.command;
  if (isRecord(command)) serialized.command = { name: command.name };
  return serialized;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type { Logger };
