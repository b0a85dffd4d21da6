// The "Replay & ledger" page (operations, ledger, journal, kept events, audit): calls the
// dashboard's /ops/api with the browser's credentials. One module per section.
import { $ } from "./dom.js";
import { startJournal } from "./journal.js";
import { filterFromForm, list, replay, showKeptProblem } from "./kept.js";
import { loadAudit, loadLedger } from "./ledger.js";
import { loadOperations, showOperations } from "./operations.js";

$("filter").addEventListener("submit", (event) => {
  event.preventDefault();
  list().catch(showKeptProblem);
});
$("dry-run").addEventListener("click", () => replay(filterFromForm(), true).catch(showKeptProblem));
$("replay").addEventListener("click", () => {
  if (confirm("Replay every kept event matching this filter?"))
    replay(filterFromForm(), false).catch(showKeptProblem);
});
startJournal();
loadOperations().catch(showOperations);
Promise.all([loadLedger(), loadAudit(), list()]).catch(showKeptProblem);
