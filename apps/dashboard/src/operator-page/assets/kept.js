// Kept events by filter, a dry run and a replay of what matches, and one event's replay.
import { $, call, element, label, readOnly, renderTable, showIn, turns } from "./dom.js";
import { loadAudit, loadLedger } from "./ledger.js";

export const showKeptProblem = showIn("result");

/** The form's fields by the API's names (KeptFilter), as the CLI's options name them. */
const filterNames = {
  organization: "organizationId",
  pnr: "pnrId",
  error: "errorText",
  job: "jobId",
};
const queryNames = Object.fromEntries(Object.entries(filterNames).map(([q, f]) => [f, q]));

export function filterFromForm() {
  const data = new FormData($("filter"));
  const filter = {};
  for (const [name, value] of data.entries()) {
    if (value === "") continue;
    if (name === "location") filter.location = String(value).split(",");
    else filter[filterNames[name] ?? name] = String(value);
  }
  return filter;
}

export async function replay(filter, dryRun) {
  const report = await call("api/replay", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ filter, dryRun }),
  });
  const moved = Object.entries(report.moved).map(
    ([q, n]) => `${dryRun ? "would move" : "moved"} ${n} to ${label(q)}`,
  );
  const lines = [`${report.matched} matched`, ...moved];
  if (report.noHandler.length) lines.push(`${report.noHandler.length} still have no handler`);
  if (report.invalidPayload.length)
    lines.push(`${report.invalidPayload.length} still fail their schema`);
  if (report.vanished) lines.push(`${report.vanished} already gone`);
  $("result").textContent = lines.join("\n");
  await Promise.all([list(), loadLedger(), loadAudit()]);
}

const listing = turns();

/** Lists what the filter form matches; resolves with how many. */
export async function list() {
  const isLatest = listing();
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(filterFromForm()))
    query.set(queryNames[k] ?? k, Array.isArray(v) ? v.join(",") : v);
  const { events } = await call(`api/kept?${query}`);
  if (!isLatest()) return events.length;
  renderTable(
    $("kept"),
    ["kept at", "where", "queue", "job", "operation", "subscription", "PNR", "why", ""],
    events.map((e) => {
      const button = element("button", { textContent: "Replay", className: "write" });
      button.addEventListener("click", () =>
        replay({ jobId: e.jobId, location: [e.location] }, false).catch(showKeptProblem),
      );
      return {
        cells: [
          e.keptAt,
          e.location,
          label(e.heldIn),
          e.jobId,
          `${e.eventType}/${e.operation}`,
          e.subscription,
          e.pnrId ?? "-",
          element("span", { className: "why", textContent: e.why }),
          readOnly || e.location === "rejected" ? "" : button,
        ],
      };
    }),
  );
  return events.length;
}

/**
 * Lists the one kept event a journal entry points at: the filter names its location, its
 * operation's queue (a rejected copy belongs to none) and its job id, and nothing else.
 */
export async function showKept(kept, queue) {
  const form = $("filter");
  form.reset();
  form.elements.location.value = kept.location;
  form.elements.queue.value = kept.location === "rejected" ? "" : label(queue);
  form.elements.job.value = kept.jobId;
  const count = await list();
  $("result").textContent =
    count === 0
      ? `${kept.location} ${kept.jobId} is no longer kept: its journal says when it left (replayed, adopted, purged or trimmed)`
      : "";
  $("kept-events").scrollIntoView();
}
