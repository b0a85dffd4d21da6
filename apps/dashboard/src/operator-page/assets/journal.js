// The journal: what happened to one PNR, trip, traveler or delivery, and a search over every
// queue's journal, each entry linked to the kept event it speaks of.
import { $, call, element, label, renderTable, showIn, turns } from "./dom.js";
import { showKept, showKeptProblem } from "./kept.js";

const subjects = { pnr: "PNR", trip: "trip", traveler: "traveler", deliveryId: "delivery" };

/** How an outcome is shown: what needs a look (an event lost or refused), what may, what went well. */
const outcomeKinds = {
  "dead-lettered": "outcome-alarm",
  rejected: "outcome-alarm",
  trimmed: "outcome-alarm",
  held: "outcome-warn",
  retried: "outcome-warn",
  applied: "outcome-ok",
};

/** The age bound as a reader says it: `14-day` for 1,209,600 seconds. */
function ageBound(seconds) {
  for (const [unit, size] of [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ])
    if (seconds % size === 0) return `${seconds / size}-${unit}`;
  return `${seconds}-second`;
}

/** Where the entry's event was put (its queue and job id on hover), and a button listing it. */
function keptCell(entry) {
  if (!entry.kept) return "";
  const { location, queue, jobId } = entry.kept;
  const button = element("button", { type: "button", textContent: "Show kept" });
  button.setAttribute("aria-label", `show kept ${location} ${jobId}`);
  button.addEventListener("click", () => showKept(entry.kept, entry.queue).catch(showKeptProblem));
  const slot = element("span", { className: "kept", title: `${label(queue)} ${jobId}` });
  slot.append(location, " ", button);
  return slot;
}

/** An id, set so that a long one wraps anywhere rather than widening the table. */
const idCell = (text) => (text ? element("span", { className: "id", textContent: text }) : "-");

const columns = {
  time: ["time", (e) => element("time", { dateTime: e.at, textContent: e.at })],
  outcome: [
    "outcome",
    (e) =>
      element("span", {
        className: `outcome ${outcomeKinds[e.outcome] ?? ""}`.trim(),
        textContent: e.outcome,
      }),
  ],
  operation: ["operation", (e) => e.operation || "-"],
  subscription: ["subscription", (e) => e.subscription || "-"],
  pnr: ["PNR", (e) => e.pnrId ?? "-"],
  delivery: ["delivery id", (e) => idCell(e.deliveryId)],
  job: ["job id", (e) => idCell(e.jobId)],
  version: ["version", (e) => e.version ?? "-"],
  reason: ["reason", (e) => element("span", { className: "why", textContent: e.reason ?? "" })],
  kept: ["kept", keptCell],
};
const timelineColumns = "time outcome operation delivery job version reason kept".split(" ");
const searchColumns =
  "time outcome operation subscription pnr delivery job version reason kept".split(" ");

function renderEntries(container, entries, names) {
  const chosen = names.map((name) => columns[name]);
  renderTable(
    container,
    chosen.map(([header]) => header),
    entries.map((entry) => ({ cells: chosen.map(([, show]) => show(entry)) })),
    undefined,
    "",
  );
}

const plural = (n) => `${n} ${n === 1 ? "entry" : "entries"}`;

const lookingUp = turns();

async function lookUp() {
  const isLatest = lookingUp();
  $("timeline-result").textContent = "looking up…";
  const form = new FormData($("timeline-form"));
  const by = String(form.get("by"));
  const id = String(form.get("id"));
  const subject = `${subjects[by]} ${id}`;
  const { entries, maxAgeSec } = await call(
    `api/journal/timeline?${new URLSearchParams({ [by]: id })}`,
  );
  if (!isLatest()) return;
  $("timeline-result").textContent =
    entries.length === 0
      ? `nothing in the journal for ${subject} within its ${ageBound(maxAgeSec)} age bound`
      : `${plural(entries.length)} for ${subject}, oldest first`;
  renderEntries($("timeline"), entries, timelineColumns);
}

/** The search shown: its filters, every entry its pages brought, and where the next page starts. */
let shown = { query: new URLSearchParams(), entries: [], cursor: null };

function searchQuery() {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData($("search-form")).entries())
    if (value !== "") query.set(name, String(value));
  return query;
}

const searching = turns();

async function searchPage(more) {
  const isLatest = searching();
  $("search-result").textContent = "searching…";
  const query = more ? shown.query : searchQuery();
  const params = new URLSearchParams(query);
  if (more) params.set("cursor", shown.cursor);
  const page = await call(`api/journal/events?${params}`);
  if (!isLatest()) return;
  shown = {
    query,
    entries: more ? [...shown.entries, ...page.entries] : page.entries,
    cursor: page.cursor,
  };
  const count = shown.entries.length;
  const bound = `within its ${ageBound(page.maxAgeSec)} age bound`;
  $("search-result").textContent =
    page.cursor !== null
      ? `${count === 0 ? "no match yet" : `${plural(count)}, newest first`}: More reads older ones`
      : count === 0
        ? `nothing in the journal matches ${bound}`
        : `${plural(count)}, newest first; no more ${bound}`;
  renderEntries($("search"), shown.entries, searchColumns);
  $("search-more").hidden = page.cursor === null;
}

const showTimelineProblem = (err) => {
  $("timeline").replaceChildren();
  showIn("timeline-result")(err);
};

export function startJournal() {
  $("timeline-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp().catch(showTimelineProblem);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("search-more").hidden = true;
    searchPage(false).catch((err) => {
      $("search").replaceChildren();
      showIn("search-result")(err);
    });
  });
  $("search-more").addEventListener("click", () => searchPage(true).catch(showIn("search-result")));
}
