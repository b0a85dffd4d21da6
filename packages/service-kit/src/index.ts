export { announceDevCredentials } from "./announce-dev-credentials.ts";
export { exitOnConfigError } from "./exit-on-config-error.ts";
export { createHttpServer, defaultHttpLimits, type HttpLimits } from "./http-server.ts";
export { exitOnListenError, ListenError, listen } from "./listen.ts";
export {
  type CommonConfig,
  CommonEnv,
  ConfigError,
  commonConfigOf,
  defaultOpsPorts,
  envBool,
  envInt,
  envOptionalInt,
  envPort,
  envString,
  envValue,
  loadConfig,
  type OpsConfig,
  type OpsEnv,
  opsConfigOf,
  opsEnv,
  refuseDevDefaults,
} from "./load-config.ts";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export {
  defaultScryptParams,
  formatPasswordHash,
  hashPassword,
  minPasswordLength,
  type PasswordHash,
  parsePasswordHash,
  type ScryptParams,
  verifyPassword,
  weakPasswordHashReason,
  weakPasswordReason,
} from "./password-hash.ts";
export { createRedactor, defaultRedactedFields, redactedValue } from "./redaction.ts";
export { readSecretVariable, secretVariables, withSecretFiles } from "./secret-files.ts";
export { placeholderWordIn, weakSecretReason } from "./secret-strength.ts";
export { serveHttp } from "./serve-http.ts";
export {
  type OpsResponse,
  type OpsRoute,
  type OpsServer,
  opsJson,
  serveOps,
} from "./serve-ops.ts";
export { onShutdownSignal } from "./shutdown.ts";
export { startTracing, type Telemetry } from "./start-tracing.ts";
export {
  type SamplerName,
  type TraceExporterSetting,
  TracingEnv,
  type TracingSettings,
  tracingSettingsOf,
} from "./tracing-config.ts";
