export { type AppDeps, createApp } from "./app.ts";
export {
  type AccessTokens,
  createAccessTokens,
  type TokenRefusalReason,
  type TokenVerification,
  tokenRefusalReasons,
} from "./auth/access-tokens.ts";
export { type ClientRegistry, createClientRegistry } from "./auth/client-registry.ts";
export { composeIngress, type Ingress } from "./compose.ts";
export { devCredentials, type IngressConfig, IngressEnv, loadIngressConfig } from "./config.ts";
export { type Subscription, SubscriptionEntry } from "./subscriptions/subscription.ts";
