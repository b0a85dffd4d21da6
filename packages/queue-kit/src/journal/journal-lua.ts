import { sha256Id } from "../job-ids.ts";
import type { JournalEntity, KeyNames } from "../keys.ts";
import type { JournalFields, JournalSettings } from "./entry.ts";

/** Keys and arguments a script that journals takes, after its own. */
export const journalKeyCount = 5;
export const journalArgCount = 12;

/** A delivery id's day hash holds at most this many bytes of ids; later ones stay unindexed. */
const maxIdsPerDelivery = 1_024;

/**
 * Defines `journal(outcome)` for a script: appends one entry to the queue's stream and indexes
 * it, in the script's own step, so a journal entry is written exactly when what it records is.
 * Every entry has the same fields in the same order, so Redis stores their names once per
 * stream node rather than once per entry. The age bound is applied on the way: `MINID ~` drops
 * whole stream nodes older than the horizon, and each entity index loses its ids older than it.
 * The time is Redis's, the clock the stream ids come from.
 *
 * KEYS from `k`: stream, the day's delivery-id hash, the PNR, trip and traveler indexes.
 * ARGV from `a`: max age in seconds (empty: journal off), delivery id, job id, subscription,
 * event type, operation, pnr, trip, traveler, version, body bytes, reason.
 */
export const journalLua = (k: number, a: number) => `
local function journal(outcome)
  local maxAge = tonumber(ARGV[${a}])
  if maxAge == nil then return end
  local time = redis.call('TIME')
  local cutoff = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - maxAge * 1000
  local id = redis.call('XADD', KEYS[${k}], 'MINID', '~', cutoff, '*', 'o', outcome,
    'd', ARGV[${a + 1}], 'j', ARGV[${a + 2}], 's', ARGV[${a + 3}], 't', ARGV[${a + 4}],
    'op', ARGV[${a + 5}], 'p', ARGV[${a + 6}], 'tr', ARGV[${a + 7}], 'tv', ARGV[${a + 8}],
    'v', ARGV[${a + 9}], 'b', ARGV[${a + 10}], 'r', ARGV[${a + 11}])
  if ARGV[${a + 1}] ~= '' then
    local ids = redis.call('HGET', KEYS[${k + 1}], ARGV[${a + 1}])
    if not ids then
      redis.call('HSET', KEYS[${k + 1}], ARGV[${a + 1}], id)
    elseif #ids < ${maxIdsPerDelivery} then
      redis.call('HSET', KEYS[${k + 1}], ARGV[${a + 1}], ids .. ' ' .. id)
    end
    if redis.call('TTL', KEYS[${k + 1}]) < 0 then
      redis.call('EXPIRE', KEYS[${k + 1}], maxAge + 86400)
    end
  end
  local ms = tonumber(string.match(id, '^%d+'))
  for i = 0, 2 do
    if ARGV[${a + 6} + i] ~= '' then
      local index = KEYS[${k + 2} + i]
      redis.call('ZADD', index, ms, id)
      redis.call('ZREMRANGEBYSCORE', index, '-inf', '(' .. cutoff)
      redis.call('EXPIRE', index, maxAge)
    end
  end
end`;

/** The longest id kept as it is in a key; longer ones (a hostile sender's) are hashed. */
const maxKeyIdLength = 128;

/** The id an index key carries: the same rule for writers and readers. */
export const indexIdOf = (id: string) => (id.length <= maxKeyIdLength ? id : sha256Id(id));

/** Stored texts are cut here: an entry stays small whatever a sender puts in an id. */
const maxTextLength = 200;

/** A text as an entry stores it (readers look a delivery id up the same way). */
export const storedText = (value: string | undefined) =>
  value === undefined
    ? ""
    : value.length <= maxTextLength
      ? value
      : `${value.slice(0, maxTextLength - 1)}…`;

const number = (value: number | undefined) => (value === undefined ? "" : String(value));

/**
 * A job id as an entry stores it. Most are the delivery id itself (an event digest) or
 * `wh-<delivery id>` (a signed delivery's): `=` and `wh-` say so in one to three bytes rather
 * than forty, about a tenth of an entry. No job id is either of them (job-ids.ts).
 */
export function storedJobId(jobId: string, deliveryId: string): string {
  if (deliveryId !== "" && jobId === deliveryId) return "=";
  if (deliveryId !== "" && jobId === `wh-${deliveryId}`) return "wh-";
  return storedText(jobId);
}

/** The job id an entry names, from what `storedJobId` stored. */
export function jobIdOf(stored: string, deliveryId: string): string {
  if (stored === "=") return deliveryId;
  if (stored === "wh-") return `wh-${deliveryId}`;
  return stored;
}

/** `yyyy-mm-dd` in UTC: the day a delivery id is indexed under. */
export const utcDayOf = (date: Date) => date.toISOString().slice(0, 10);

const entityKey = (keys: KeyNames, queue: string, kind: JournalEntity, id: string | undefined) =>
  keys.journalByEntity(queue, kind, id === undefined || id === "" ? "" : indexIdOf(id));

/**
 * The keys and arguments `journalLua` takes for one entry of `queue`; with `fields` undefined
 * or the journal off, arguments that make `journal()` write nothing (a script's key count is
 * fixed, so the keys are named all the same).
 */
export function journalParams(
  keys: KeyNames,
  settings: JournalSettings,
  queue: string,
  fields: JournalFields | undefined,
  now: Date,
): { keys: string[]; args: string[] } {
  const named = [
    keys.journal(queue),
    keys.journalByDay(queue, utcDayOf(now)),
    entityKey(keys, queue, "pnr", fields?.pnrId),
    entityKey(keys, queue, "trip", fields?.tripId),
    entityKey(keys, queue, "traveler", fields?.travelerId),
  ];
  if (fields === undefined || !settings.enabled)
    return { keys: named, args: Array<string>(journalArgCount).fill("") };
  return {
    keys: named,
    args: [
      String(settings.maxAgeSec),
      storedText(fields.deliveryId),
      storedJobId(fields.jobId, storedText(fields.deliveryId)),
      storedText(fields.subscription),
      storedText(fields.eventType),
      storedText(fields.operation),
      storedText(fields.pnrId),
      storedText(fields.tripId),
      storedText(fields.travelerId),
      number(fields.version),
      number(fields.bodyBytes),
      storedText(fields.reason),
    ],
  };
}
