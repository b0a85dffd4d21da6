import type { NodeAuth } from "@skyhook/spotnana-sender";
import { CliExit } from "./io.ts";

/** The development client the ingress runs with when nothing is configured (README, quick start). */
const devClient = { clientId: "skyhook-dev", clientSecret: "skyhook-dev-secret" };

export type SenderAuthOptions = {
  mode?: string | undefined;
  secret?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  tokenUrl?: string | undefined;
};

/**
 * How `send` and `simulate` authenticate, as flags, then SPOTNANA_* variables, then the dev
 * client decide: HMAC when a signing secret is known, else OAuth.
 */
export function senderAuth(options: SenderAuthOptions, env: NodeJS.ProcessEnv): NodeAuth {
  const secret = options.secret ?? env.SPOTNANA_SIGNING_SECRETS?.split(/\s+/)[0];
  const mode = options.mode ?? (secret === undefined || secret === "" ? "oauth" : "hmac");
  if (mode === "hmac") {
    if (secret === undefined || secret === "")
      throw new CliExit(2, "--mode hmac needs --secret whsec_… (or SPOTNANA_SIGNING_SECRETS)");
    return { mode, secret };
  }
  if (mode !== "oauth") throw new CliExit(2, `--mode must be hmac or oauth, not ${mode}`);
  return {
    mode,
    clientId: options.clientId ?? env.SPOTNANA_CLIENT_ID ?? devClient.clientId,
    clientSecret: options.clientSecret ?? env.SPOTNANA_CLIENT_SECRET ?? devClient.clientSecret,
    ...(options.tokenUrl === undefined ? {} : { tokenUrl: options.tokenUrl }),
  };
}
