export { announceDevCredentials } from "./announce-dev-credentials.ts";
export { type CommonConfig, CommonEnv, commonConfigOf } from "./common-env.ts";
export { envBool, envInt, envOptionalInt, envPort, envString } from "./env-fields.ts";
export { exitOnConfigError } from "./exit-on-config-error.ts";
export { createHttpServer, defaultHttpLimits, type HttpLimits } from "./http-server.ts";
export { exitOnListenError, ListenError, listen } from "./listen.ts";
export { ConfigError, envValue, loadConfig, refuseDevDefaults } from "./load-config.ts";
export { createLogger, type Logger, type LoggerOptions } from "./logger.ts";
export {
  defaultOpsPorts,
  type OpsConfig,
  type OpsEnv,
  opsConfigOf,
  opsEnv,
} from "./ops-env.ts";
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
