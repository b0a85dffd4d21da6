import { Cluster, type Redis } from "ioredis";
import type { RedisClient } from "./connections.ts";

/**
 * Resolves once `replicas` replicas hold every write this process made so far to the server
 * holding `key`; throws NotReplicated when they do not confirm within `timeoutMs`.
 */
export type ReplicationWait = (key: string, timeoutMs: number) => Promise<void>;

/** Fewer replicas than required confirmed the write in time: it may not survive the primary. */
export class NotReplicated extends Error {
  override name = "NotReplicated";
}

/**
 * Redis `WAIT` counts the writes of the connection it is sent on, so it goes to the very
 * connection the writes went over: the client itself, or on a Cluster the connection to the
 * master serving `key`'s slot (looked up once per key, since a key's slot never changes).
 * Any write bumps that connection's offset past every earlier write on the server, so
 * waiting after a duplicate's counter update also covers the first delivery's job.
 */
export function createReplicationWait(client: RedisClient, replicas: number): ReplicationWait {
  const slots = new Map<string, number>();

  async function connectionFor(key: string): Promise<Redis> {
    if (!(client instanceof Cluster)) return client;
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = Number(await client.cluster("KEYSLOT", key));
      slots.set(key, slot);
    }
    const owner = client.slots[slot]?.[0];
    const node = client
      .nodes("master")
      .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === owner);
    if (node === undefined) throw new NotReplicated(`no master known for slot ${slot}`);
    return node;
  }

  return async (key, timeoutMs) => {
    const connection = await connectionFor(key);
    const confirmed = await connection.wait(replicas, Math.max(1, Math.floor(timeoutMs)));
    if (confirmed < replicas)
      throw new NotReplicated(`${confirmed} of ${replicas} replica(s) confirmed the write`);
  };
}
