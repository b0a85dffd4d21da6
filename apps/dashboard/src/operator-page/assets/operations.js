// Each operation's state, with Pause (asking why) and Resume for operators.
import { $, call, element, readOnly, renderTable, showIn } from "./dom.js";
import { loadAudit, loadLedger } from "./ledger.js";

export const showOperations = showIn("operations-result");

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

export async function loadOperations() {
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
