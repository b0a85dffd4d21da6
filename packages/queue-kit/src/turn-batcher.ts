/** One item's result in a batch: each caller learns its own outcome, never a neighbour's. */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: Error };

/**
 * Runs one batch with every item submitted for `key`; answers one result per item, in order.
 * A rejection (or a missing result) fails every item of that batch.
 */
export type BatchRun<K, T, R> = (key: K, items: readonly T[]) => Promise<readonly ItemResult<R>[]>;

type Waiting<T, R> = { item: T; resolve: (value: R) => void; reject: (error: Error) => void };

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Collects the items submitted during one turn of the event loop, per key, and runs each key's
 * batch once the turn's I/O callbacks are done (`setImmediate`): requests whose bytes arrived
 * in the same poll share one Redis round trip. Each submitter's promise settles with its own
 * item's result, so one failure is answered to that one caller only.
 */
export function createTurnBatcher<K, T, R>(
  run: BatchRun<K, T, R>,
): (key: K, item: T) => Promise<R> {
  let pending = new Map<K, Waiting<T, R>[]>();
  let scheduled = false;

  const settle = (batch: readonly Waiting<T, R>[], results: readonly ItemResult<R>[]) => {
    batch.forEach((waiting, index) => {
      const result = results[index];
      if (result === undefined) waiting.reject(new Error("the batch answered no result"));
      else if (result.ok) waiting.resolve(result.value);
      else waiting.reject(result.error);
    });
  };

  const flush = () => {
    scheduled = false;
    const batches = pending;
    pending = new Map();
    for (const [key, batch] of batches) {
      const items = batch.map((waiting) => waiting.item);
      Promise.resolve()
        .then(() => run(key, items))
        .then(
          (results) => settle(batch, results),
          (err: unknown) => {
            const error = asError(err);
            for (const waiting of batch) waiting.reject(error);
          },
        );
    }
  };

  return (key, item) =>
    new Promise<R>((resolve, reject) => {
      let batch = pending.get(key);
      if (batch === undefined) {
        batch = [];
        pending.set(key, batch);
      }
      batch.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
