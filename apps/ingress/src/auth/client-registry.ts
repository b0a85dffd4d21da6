import { timingSafeEqual } from "node:crypto";
import type { Subscription } from "../subscriptions/subscription.ts";
import { digestOf as digest } from "./constant-time.ts";

export type ClientRegistry = {
  /** The subscription whose OAuth credentials these are, or undefined; constant time in the secret. */
  authenticate(clientId: string, clientSecret: string): Subscription | undefined;
  byClientId(clientId: string): Subscription | undefined;
};

/**
 * OAuth clients of the configured subscriptions. A client may have several secrets at once
 * (the new one and the old one during a rotation); every one is compared, so the time taken
 * does not reveal which matched.
 */
export function createClientRegistry(subscriptions: readonly Subscription[]): ClientRegistry {
  const clients = new Map(
    subscriptions.flatMap((s) =>
      s.oauth === undefined
        ? []
        : [
            [
              s.oauth.clientId,
              { subscription: s, secretDigests: s.oauth.clientSecrets.map(digest) },
            ] as const,
          ],
    ),
  );
  const decoy = [digest("no such client")];
  return {
    authenticate(clientId, clientSecret) {
      const client = clients.get(clientId);
      const given = digest(clientSecret);
      let matches = false;
      for (const candidate of client?.secretDigests ?? decoy) {
        matches = timingSafeEqual(given, candidate) || matches;
      }
      return client !== undefined && matches ? client.subscription : undefined;
    },
    byClientId(clientId) {
      return clients.get(clientId)?.subscription;
    },
  };
}
