export { createDashboardApp, type Dashboard, type DashboardDeps } from "./app.ts";
export { type Credentials, dashboardRealm, requireBasicAuth } from "./basic-auth.ts";
export { composeDashboard } from "./compose.ts";
export { type DashboardConfig, devCredentials, loadDashboardConfig } from "./config.ts";
