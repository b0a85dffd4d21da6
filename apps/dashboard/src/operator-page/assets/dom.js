// What every part of the ops page builds its DOM with: text only (textContent), never markup
// from data, as the page's content security policy expects.

export const readOnly = document.body.dataset.readOnly === "true";
export const $ = (id) => document.getElementById(id);

/** An element with its properties set (`textContent`, `className`, `type`, …). */
export const element = (tag, properties = {}) =>
  Object.assign(document.createElement(tag), properties);

/** A queue's name without its Cluster hash-tag braces, as the CLI prints it. */
export const label = (queue) => queue.replace(/[{}]/g, "");

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = String(text);
  if (className) td.className = className;
  return td;
}

function wrap(node) {
  const td = document.createElement("td");
  td.appendChild(node);
  return td;
}

/**
 * A table of `rows` (each `{ cells: [...] }`, a cell a text, a number or a node) in place of
 * what `container` held; `empty` instead when there are none.
 */
export function renderTable(container, headers, rows, rowClass, empty = "nothing") {
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
  container.replaceChildren(rows.length === 0 ? document.createTextNode(empty) : table);
}

/** Calls the ops API; a refusal throws its code, message and what was wrong with the request. */
export async function call(path, init) {
  const response = await fetch(path, init);
  const body = await response.json();
  if (response.ok) return body;
  if (!body.error) throw new Error(response.statusText);
  const { code, message, details } = body.error;
  const issues = Array.isArray(details)
    ? details.map((i) => (i.path?.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    : [];
  throw new Error(`${code}: ${message}${issues.length ? ` (${issues.join("; ")})` : ""}`);
}

/** Shows an error's message in a status element. */
export const showIn = (id) => (err) => {
  $(id).textContent = String(err.message ?? err);
};

/**
 * For a section whose requests may overlap (a page's first listing and a click): each call of
 * the returned function starts a turn, and its `isLatest` says whether a later one began since,
 * so an older answer never replaces a newer one.
 */
export function turns() {
  let current = 0;
  return () => {
    current += 1;
    const mine = current;
    return () => mine === current;
  };
}
