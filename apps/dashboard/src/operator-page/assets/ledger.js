// The ledger's balance per queue and the recent operator actions: re-read after every change.
import { $, call, label, renderTable } from "./dom.js";

export async function loadLedger() {
  const report = await call("api/ledger");
  renderTable(
    $("ledger"),
    [
      "queue",
      "expected",
      "completed",
      "dead-lettered",
      "stale",
      "in flight",
      "of them held",
      "difference",
    ],
    report.queues.map((q) => ({
      q,
      cells: [
        label(q.queue),
        q.expected,
        q.completed,
        q.deadLettered,
        q.stale,
        q.inFlight.waiting + q.inFlight.delayed + q.inFlight.active + q.inFlight.prioritized,
        q.held,
        q.difference,
      ],
    })),
    (row) => (row.q.difference === 0 ? "" : "unbalanced"),
  );
}

export async function loadAudit() {
  const entries = await call("api/audit");
  renderTable(
    $("audit"),
    ["at", "actor", "action", "dry run", "matched", "changed", "filter"],
    entries.map((e) => ({
      // The filter as `skyhook audit` prints it: what was acted on, and a pause's reason.
      cells: [
        e.at,
        e.actor,
        e.action,
        e.dryRun ? "yes" : "no",
        e.matched,
        e.changed,
        JSON.stringify(e.filter),
      ],
    })),
  );
}
