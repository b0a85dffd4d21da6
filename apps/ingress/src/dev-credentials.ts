/** Zero-configuration development credentials; production refuses every one of them. */
export const devCredentials = {
  SPOTNANA_CLIENT_ID: "skyhook-dev",
  SPOTNANA_CLIENT_SECRET: "skyhook-dev-secret",
  TOKEN_SIGNING_KEY: "skyhook-dev-token-signing-key-do-not-use-in-production",
} as const;
