import { payloadSchemaFor } from "@skyhook/contracts";
import {
  envelope,
  isVersioned,
  routingPairs,
  samplePayload,
  withBookingHistory,
} from "./samples.ts";

/** One synthetic Spotnana event, serialised once: retries and duplicates re-send these bytes. */
export type SimEvent = {
  seq: number;
  eventType: string;
  operation: string;
  /** The entity whose versions must not be confused (PNR id, traveler id, …). */
  entity: string;
  version?: number;
  large: boolean;
  body: string;
};

export type EventOptions = {
  runId: string;
  versions: number;
  largeShare: number;
  largeKb: number;
  reorder: number;
  random: () => number;
};

/**
 * The events of a run, in the order Spotnana sends them. Events of a type ordered by version
 * (PNR_V3) come as `versions` versions of one entity; with probability `reorder` an entity's
 * versions are sent out of order.
 * Every payload is checked against its schema, so a refusal is the receiver's, never ours.
 */
export function* generateEvents(options: EventOptions): Generator<SimEvent> {
  const pairs = routingPairs();
  let seq = 0;
  for (let round = 0; ; round++) {
    for (const [p, pair] of pairs.entries()) {
      const id = `SIM-${options.runId}-${round}-${p}`;
      const versioned = isVersioned(pair.eventType);
      const versions = versioned ? Math.max(1, options.versions) : 1;
      const order = Array.from({ length: versions }, (_, v) => v + 1);
      if (versions > 1 && options.random() < options.reorder) order.reverse();
      for (const version of order) {
        const large = options.random() < options.largeShare;
        const base = samplePayload(pair.eventType, pair.operation, id, version);
        const payload = large ? withBookingHistory(base, options.largeKb * 1024) : base;
        const schema = payloadSchemaFor(pair.eventType, pair.operation);
        const checked = schema?.safeParse(payload);
        if (checked?.success !== true)
          throw new Error(
            `the generated ${pair.eventType}/${pair.operation} payload fails its schema`,
          );
        const publishedAt = new Date(Date.UTC(2026, 11, 1) + seq * 1_000 + version);
        yield {
          seq: seq++,
          ...pair,
          entity: id,
          ...(versioned ? { version } : {}),
          large,
          body: JSON.stringify(envelope(pair.operation, payload, pair.eventType, publishedAt)),
        };
      }
    }
  }
}
