// The "Replay & ledger" page (operations, ledger, kept events, audit): calls the dashboard's
// /ops/api with the browser's credentials.
const readOnly = document.body.dataset.readOnly === "true";
const $ = (id) => document.getElementById(id);

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = String(text);
  if (className) td.className = className;
  return td;
}

function renderTable(container, headers, rows, rowClass) {
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const h of headers) {
    const th = document.createElement("th");
    th.textContent = h;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    if (rowClass) tr.className = rowClass(row);
    for (const value of row.cells)
      tr.appendChild(
        value instanceof Node ? wrap(value) : cell(value, typeof value === "number" ? "num" : ""),
      );
  }
  container.replaceChildren(rows.length === 0 ? document.createTextNode("nothing") : table);
}

function wrap(node) {
  const td = document.createElement("td");
  td.appendChild(node);
  return td;
}

const label = (queue) => queue.replace(/[{}]/g, "");

function filterFromForm() {
  const data = new FormData($("filter"));
  const filter = {};
  const names = { organization: "organizationId", pnr: "pnrId", error: "errorText" };
  for (const [name, value] of data.entries()) {
    if (value === "") continue;
    if (name === "location") filter.location = String(value).split(",");
    else filter[names[name] ?? name] = String(value);
  }
  return filter;
}

async function call(path, init) {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok)
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : response.statusText);
  return body;
}

async function loadLedger() {
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

/** Sends a pause or resume and shows what the operation is doing now. */
async function holdAction(action, body) {
  const answer = await call(`api/operations/${action}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const { label: name, state } = answer.operation;
  $("operations-result").textContent =
    answer.resumed === false ? `${name}: was not paused` : `${name}: ${state}`;
  await Promise.all([loadOperations(), loadLedger(), loadAudit()]);
}

/** An element with its properties set (`textContent`, `className`, `type`, …). */
const element = (tag, properties = {}) => Object.assign(document.createElement(tag), properties);

/** Pause asks why first (the reason is shown here, in `skyhook status` and the audit trail). */
function pauseControl(operation) {
  const slot = element("span");
  const start = element("button", { textContent: "Pause…", className: "write" });
  start.addEventListener("click", () => {
    const form = element("form", { className: "pause" });
    const reason = element("input", {
      name: "reason",
      required: true,
      maxLength: 500,
      placeholder: "why: vendor maintenance until 14:00",
    });
    reason.setAttribute("aria-label", `reason for pausing ${operation.label}`);
    const cancel = element("button", { type: "button", textContent: "Cancel" });
    cancel.addEventListener("click", () => slot.replaceChildren(start));
    form.append(
      reason,
      element("button", { type: "submit", textContent: "Pause", className: "write" }),
      cancel,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = { operation: operation.label, reason: reason.value };
      holdAction("pause", body).catch(showOperations);
    });
    slot.replaceChildren(form);
    reason.focus();
  });
  slot.appendChild(start);
  return slot;
}

function resumeControl(operation) {
  const button = element("button", { textContent: "Resume", className: "write" });
  button.addEventListener("click", () =>
    holdAction("resume", { operation: operation.label }).catch(showOperations),
  );
  return button;
}

async function loadOperations() {
  const { operations } = await call("api/operations");
  renderTable(
    $("operations"),
    ["operation", "state", "waiting", "of them held", "delayed", "active", ""],
    operations.map((o) => {
      const state = element("span", { className: "state", textContent: o.state });
      const control = o.paused ? resumeControl(o) : pauseControl(o);
      return {
        o,
        cells: [
          o.label,
          state,
          o.waiting,
          o.heldJobs,
          o.delayed,
          o.active,
          readOnly ? "" : control,
        ],
      };
    }),
    (row) => (row.o.condition === "running" ? "" : row.o.condition),
  );
}

async function loadAudit() {
  const entries = await call("api/audit");
  renderTable(
    $("audit"),
    ["at", "actor", "action", "dry run", "matched", "changed"],
    entries.map((e) => ({
      cells: [e.at, e.actor, e.action, e.dryRun ? "yes" : "no", e.matched, e.changed],
    })),
  );
}

async function replay(filter, dryRun) {
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

async function list() {
  const filter = filterFromForm();
  const query = new URLSearchParams();
  const names = { organizationId: "organization", pnrId: "pnr", errorText: "error" };
  for (const [k, v] of Object.entries(filter))
    query.set(names[k] ?? k, Array.isArray(v) ? v.join(",") : v);
  const { events } = await call(`api/kept?${query}`);
  renderTable(
    $("kept"),
    ["kept at", "where", "queue", "job", "operation", "subscription", "PNR", "why", ""],
    events.map((e) => {
      const button = document.createElement("button");
      button.textContent = "Replay";
      button.className = "write";
      button.addEventListener("click", () =>
        replay({ jobId: e.jobId, location: [e.location] }, false).catch(show),
      );
      const why = document.createElement("span");
      why.className = "why";
      why.textContent = e.why;
      return {
        cells: [
          e.keptAt,
          e.location,
          label(e.heldIn),
          e.jobId,
          `${e.eventType}/${e.operation}`,
          e.subscription,
          e.pnrId ?? "-",
          why,
          readOnly || e.location === "rejected" ? "" : button,
        ],
      };
    }),
  );
}

const show = (err) => {
  $("result").textContent = String(err.message ?? err);
};
const showOperations = (err) => {
  $("operations-result").textContent = String(err.message ?? err);
};

$("filter").addEventListener("submit", (event) => {
  event.preventDefault();
  list().catch(show);
});
$("dry-run").addEventListener("click", () => replay(filterFromForm(), true).catch(show));
$("replay").addEventListener("click", () => {
  if (confirm("Replay every kept event matching this filter?"))
    replay(filterFromForm(), false).catch(show);
});
loadOperations().catch(showOperations);
Promise.all([loadLedger(), loadAudit(), list()]).catch(show);
