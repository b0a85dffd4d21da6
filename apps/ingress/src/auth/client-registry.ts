import { createHash, timingSafeEqual } from "node:crypto";
import type { Subscription } from "../config.ts";

export type ClientRegistry = {
  /** The subscription whose credentials these are, or undefined; constant time in the secret. */
  authenticate(clientId: string, clientSecret: string): Subscription | undefined;
  byClientId(clientId: string): Subscription | undefined;
};

/** Hashing both sides first gives equal-length inputs, so timingSafeEqual never leaks length. */
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function createClientRegistry(subscriptions: readonly Subscription[]): ClientRegistry {
  const clients = new Map(
    subscriptions.map((s) => [
      s.clientId,
      { subscription: s, secretDigest: digest(s.clientSecret) },
    ]),
  );
  const decoy = digest("no such client");
  return {
    authenticate(clientId, clientSecret) {
      const client = clients.get(clientId);
      const matches = timingSafeEqual(digest(clientSecret), client?.secretDigest ?? decoy);
      return client !== undefined && matches ? client.subscription : undefined;
    },
    byClientId(clientId) {
      return clients.get(clientId)?.subscription;
    },
  };
}
