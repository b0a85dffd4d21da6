import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";

/**
 * A bull-board adapter for a queue that no worker consumes by design: dead letters, skipped
 * stale events, filtered deliveries and the catch-all are kept for an operator, not processed.
 *
 * bull-board shows a red "No workers" badge when an adapter reports an empty worker list, and
 * leaves it out when the adapter reports `null` ("this queue has no notion of workers"), which
 * is the truth for these queues. 9.10.1 has no per-queue option for it (`uiConfig.showWorkers`
 * switches it off for every queue, operation queues included, where it is a real alarm), so the
 * adapter's documented `getWorkers` extension point is overridden. That is the one class here
 * that is not an error: bull-board's adapters are classes, extended by subclassing. It also
 * saves the `CLIENT LIST` bull-board would otherwise run for each of these queues on every poll.
 */
export class UnconsumedQueueAdapter extends BullMQAdapter {
  override async getWorkers(): Promise<null> {
    return null;
  }
}
