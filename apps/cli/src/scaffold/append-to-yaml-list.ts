export type ListAppended = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Appends `item` to the top-level block list `key:` of a YAML file, after its last item. The
 * list is found by the file's structure — the key at column 0, its items and any comments
 * among them indented by two, an item's further lines by more — so rewording a comment never moves or breaks the insertion.
 */
export function appendToYamlList(text: string, key: string, item: string): ListAppended {
  const lines = text.split("\n");
  const start = lines.indexOf(`${key}:`);
  if (start === -1) return { ok: false, reason: `no top-level ${key} list` };
  // The line that ends the last item: an item's own lines are indented further.
  let lastItem = start;
  for (let at = start + 1; at < lines.length; at++) {
    const line = lines[at] ?? "";
    if (line.startsWith("  - ") || (line.startsWith("    ") && lastItem > start)) lastItem = at;
    else if (!line.startsWith("  #")) break;
  }
  if (lines.slice(start + 1, lastItem + 1).includes(`  - ${item}`))
    return { ok: false, reason: `${key} already lists ${item}` };
  lines.splice(lastItem + 1, 0, `  - ${item}`);
  return { ok: true, text: lines.join("\n") };
}
