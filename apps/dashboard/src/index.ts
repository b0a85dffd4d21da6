export { createDashboardApp, type Dashboard, type DashboardDeps } from "./app.ts";
export type { DashboardAuth } from "./auth/authenticate.ts";
export { Role } from "./auth/identity.ts";
export { dashboardRealm } from "./auth/password-login.ts";
export { boardPauseReason } from "./board-pauses.ts";
export { type BoardQueue, boardQueuesOf, type QueueRole } from "./board-queues.ts";
export { composeDashboard } from "./compose.ts";
export {
  type DashboardConfig,
  DashboardEnv,
  devCredentials,
  loadDashboardConfig,
  type TrustProxy,
} from "./config.ts";
export { opsPage, opsPageUrl } from "./ui-config.ts";
