import type { Cluster, Redis } from "ioredis";
import { BookingRecord } from "./booking-record.ts";

/**
 * Stores a PNR snapshot in one step: read, compare and write happen inside Redis, so
 * concurrent workers on different connections can neither lose an update nor need a retry.
 * A snapshot with a lower PNR version than the stored one is refused (`{'stale', stored}`).
 * Otherwise the stored record's cancelled segments are kept, ahead of the snapshot's own
 * (a cancelled flight does not come back), and the result is written (`{'applied', ids…}`).
 * KEYS: the booking. ARGV: the snapshot's version as JSON (`null` if none), the snapshot as JSON ending in
 * `"cancelledSegmentIds":[]}` (the merged list is written in place of that `[]`), then the
 * snapshot's cancelled segment ids. Ids are JSON-quoted by cjson, whose `\/` for `/` every
 * JSON parser reads back as `/`.
 */
const applySnapshotScript = `
local raw = redis.call('GET', KEYS[1])
local ids, seen = {}, {}
local function add(id)
  if not seen[id] then
    seen[id] = true
    ids[#ids + 1] = id
  end
end
if raw then
  local stored = cjson.decode(raw)
  local version = cjson.decode(ARGV[1])
  if type(version) == 'number' and type(stored.version) == 'number' and version < stored.version then
    return {'stale', raw}
  end
  for _, id in ipairs(stored.cancelledSegmentIds) do add(id) end
end
for i = 3, #ARGV do add(ARGV[i]) end
local quoted = {}
for i, id in ipairs(ids) do quoted[i] = cjson.encode(id) end
redis.call('SET', KEYS[1], string.sub(ARGV[2], 1, -4) .. '[' .. table.concat(quoted, ',') .. ']}')
table.insert(ids, 1, 'applied')
return ids
`;

export type ApplyOutcome =
  | { outcome: "applied"; record: BookingRecord }
  | { outcome: "stale"; record: BookingRecord };

export type BookingStore = {
  get(pnrId: string): Promise<BookingRecord | undefined>;
  /**
   * Stores a PNR snapshot atomically, in one round trip. A snapshot whose PNR version is older
   * than the stored one is refused as stale and the stored record returned: Spotnana reorders
   * deliveries, and a late old snapshot must not win. Otherwise the snapshot replaces the
   * stored record, and every segment the stored record had as cancelled stays cancelled.
   * Returns the record as stored.
   */
  apply(snapshot: BookingRecord): Promise<ApplyOutcome>;
  /** True once `effectKey` has been recorded: lets a handler run a side effect once. */
  hasEffect(effectKey: string): Promise<boolean>;
  recordEffect(effectKey: string, ttlSec: number): Promise<void>;
};

/**
 * The PNR's entity (`pnr:<id>`) is the hash tag, as on the worker's lock and high-water mark
 * for it, so on a Cluster they share a slot.
 */
export const bookingKeyOf = (keyPrefix: string, pnrId: string) =>
  `${keyPrefix}:{pnr:${pnrId}}:booking`;

/** Where a recorded effect is remembered until its TTL lapses. */
export const effectKeyOf = (keyPrefix: string, effectKey: string) =>
  `${keyPrefix}:effect:${effectKey}`;

type StoreScripts = {
  skyhookBookingApply(
    key: string,
    version: string,
    template: string,
    ...cancelledSegmentIds: string[]
  ): Promise<["stale", string] | ["applied", ...string[]]>;
};

export function createBookingStore(redis: Redis | Cluster, keyPrefix: string): BookingStore {
  // Loaded once per connection and run by EVALSHA, not sent whole with every write.
  redis.defineCommand("skyhookBookingApply", { numberOfKeys: 1, lua: applySnapshotScript });
  const scripts = redis as unknown as StoreScripts;
  const bookingKey = (pnrId: string) => bookingKeyOf(keyPrefix, pnrId);
  const effectKey = (key: string) => effectKeyOf(keyPrefix, key);
  return {
    async get(pnrId) {
      const raw = await redis.get(bookingKey(pnrId));
      return raw === null ? undefined : BookingRecord.parse(JSON.parse(raw));
    },
    async apply(snapshot) {
      const { cancelledSegmentIds, ...rest } = snapshot;
      const reply = await scripts.skyhookBookingApply(
        bookingKey(snapshot.pnrId),
        JSON.stringify(snapshot.version ?? null),
        JSON.stringify({ ...rest, cancelledSegmentIds: [] }),
        ...cancelledSegmentIds,
      );
      if (reply[0] === "stale") {
        return { outcome: "stale", record: BookingRecord.parse(JSON.parse(reply[1])) };
      }
      const [, ...merged] = reply;
      return { outcome: "applied", record: { ...snapshot, cancelledSegmentIds: merged } };
    },
    async hasEffect(key) {
      return (await redis.exists(effectKey(key))) === 1;
    },
    async recordEffect(key, ttlSec) {
      await redis.set(effectKey(key), "1", "EX", ttlSec);
    },
  };
}
