import type { Cluster, Redis } from "ioredis";
import { BookingRecord } from "./booking-record.ts";

/**
 * Sets KEYS[1] to ARGV[2] only if it still holds ARGV[1] ("" meaning absent): an atomic
 * compare-and-set, so concurrent workers on different connections cannot lose an update.
 */
const compareAndSetScript = `
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

export type ApplyOutcome =
  | { outcome: "applied"; record: BookingRecord }
  | { outcome: "unchanged"; record: BookingRecord }
  | { outcome: "stale"; record: BookingRecord };

/** Returns the new record, or `undefined` to leave the stored one as it is. */
export type BookingUpdate = (current: BookingRecord | undefined) => BookingRecord | undefined;

export type BookingStore = {
  get(pnrId: string): Promise<BookingRecord | undefined>;
  /**
   * Applies `update` atomically. A record whose PNR version is older than the stored one is
   * refused as stale: Spotnana reorders deliveries, and a late old snapshot must not win.
   */
  apply(pnrId: string, update: BookingUpdate): Promise<ApplyOutcome>;
  /** True once `effectKey` has been recorded: lets a handler run a side effect once. */
  hasEffect(effectKey: string): Promise<boolean>;
  recordEffect(effectKey: string, ttlSec: number): Promise<void>;
};

/**
 * Each round loses only to a writer that succeeded, so rounds are bounded by the writers
 * racing on one PNR; past this the job fails and is retried by BullMQ with backoff.
 */
const maxCasRounds = 100;

/**
 * The PNR's entity (`pnr:<id>`) is the hash tag, as on the worker's lock and high-water mark
 * for it, so on a Cluster they share a slot.
 */
export const bookingKeyOf = (keyPrefix: string, pnrId: string) =>
  `${keyPrefix}:{pnr:${pnrId}}:booking`;

type StoreScripts = {
  skyhookBookingCompareAndSet(key: string, expected: string, next: string): Promise<number>;
};

export function createBookingStore(redis: Redis | Cluster, keyPrefix: string): BookingStore {
  // Loaded once per connection and run by EVALSHA, not sent whole with every write.
  redis.defineCommand("skyhookBookingCompareAndSet", { numberOfKeys: 1, lua: compareAndSetScript });
  const scripts = redis as unknown as StoreScripts;
  const bookingKey = (pnrId: string) => bookingKeyOf(keyPrefix, pnrId);
  const effectKey = (key: string) => `${keyPrefix}:effect:${key}`;
  const parse = (raw: string | null) =>
    raw === null ? undefined : BookingRecord.parse(JSON.parse(raw));

  return {
    async get(pnrId) {
      return parse(await redis.get(bookingKey(pnrId)));
    },

    async apply(pnrId, update) {
      const key = bookingKey(pnrId);
      for (let round = 0; round < maxCasRounds; round++) {
        const raw = await redis.get(key);
        const current = parse(raw);
        const next = update(current);
        if (next === undefined) {
          if (current === undefined) throw new Error(`Update of ${pnrId} produced no record`);
          return { outcome: "unchanged", record: current };
        }
        const currentVersion = current?.version;
        if (
          currentVersion !== undefined &&
          next.version !== undefined &&
          next.version < currentVersion
        ) {
          return { outcome: "stale", record: current ?? next };
        }
        const written = await scripts.skyhookBookingCompareAndSet(
          key,
          raw ?? "",
          JSON.stringify(next),
        );
        if (written === 1) return { outcome: "applied", record: next };
      }
      throw new Error(`Booking ${pnrId} kept changing under ${maxCasRounds} concurrent updates`);
    },

    async hasEffect(key) {
      return (await redis.exists(effectKey(key))) === 1;
    },

    async recordEffect(key, ttlSec) {
      await redis.set(effectKey(key), "1", "EX", ttlSec);
    },
  };
}
