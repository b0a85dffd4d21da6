import type { PayloadKeys } from "@skyhook/contracts";
import type { Subscription } from "./subscription.ts";

export const filterReasons = [
  "event-type",
  "operation-excluded",
  "organization",
  "contracting-tmc",
  "booking-tmc",
] as const;
export type FilterReason = (typeof filterReasons)[number];

const outside = (allowed: readonly string[] | undefined, value: string | undefined) =>
  allowed !== undefined && value !== undefined && !allowed.includes(value);

/**
 * Why a subscription's receiver-side filters drop this event, or undefined to keep it. A key
 * the payload does not carry never drops an event: we keep what we cannot judge rather than
 * lose it, and the operator sees it in its queue.
 */
export function filteredOut(
  subscription: Subscription,
  event: { eventType: string; operation: string; keys: PayloadKeys },
): FilterReason | undefined {
  const { filters } = subscription;
  if (subscription.eventTypes !== undefined && !subscription.eventTypes.includes(event.eventType)) {
    return "event-type";
  }
  if (filters.excludeOperations?.includes(event.operation) === true) return "operation-excluded";
  if (outside(filters.organizationIds, event.keys.organizationId)) return "organization";
  if (outside(filters.contractingTmcIds, event.keys.contractingTmcId)) return "contracting-tmc";
  if (outside(filters.bookingTmcIds, event.keys.bookingTmcId)) return "booking-tmc";
  return undefined;
}
