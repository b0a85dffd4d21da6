/**
 * The bytes of request bodies being read before their sender is known (signed deliveries are
 * verified only once the body is in): a total for the process and a share per client address.
 * It bounds what unauthenticated senders can make the ingress hold, whatever the number of
 * connections; one address cannot take all of it, so holding it costs a sender as many bytes,
 * from as many addresses, as it holds.
 */
export type BodyBudget = {
  /** Reserves `bytes` for `address`; false (nothing reserved) when either limit would be passed. */
  take(address: string, bytes: number): boolean;
  /** Returns what `take` reserved. */
  give(address: string, bytes: number): void;
  /** Bytes reserved now, for metrics and tests. */
  readonly usedBytes: number;
};

export function createBodyBudget(limits: { totalBytes: number; perAddressBytes: number }) {
  let used = 0;
  const byAddress = new Map<string, number>();
  const budget: BodyBudget = {
    take(address, bytes) {
      const held = byAddress.get(address) ?? 0;
      if (used + bytes > limits.totalBytes || held + bytes > limits.perAddressBytes) return false;
      used += bytes;
      byAddress.set(address, held + bytes);
      return true;
    },
    give(address, bytes) {
      used -= bytes;
      const left = (byAddress.get(address) ?? 0) - bytes;
      if (left > 0) byAddress.set(address, left);
      else byAddress.delete(address);
    },
    get usedBytes() {
      return used;
    },
  };
  return budget;
}
