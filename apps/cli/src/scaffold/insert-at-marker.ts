export type MarkerInsertion = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Inserts `lines` just above the marker comment `// <marker>`, at the marker's indentation.
 * The marker must stand alone at the start of its line (words after it on the line are free
 * text) and appear once: the place is named by the marker, never by the comments or code
 * around it, so rewording those never moves or breaks an insertion.
 */
export function insertAtMarker(text: string, marker: string, lines: string): MarkerInsertion {
  const escaped = marker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = [...text.matchAll(new RegExp(`^([ \\t]*)// ${escaped}(?=\\s|$)`, "gm"))];
  const [match] = found;
  if (match === undefined)
    return {
      ok: false,
      reason: `no "// ${marker}" line; put the marker back on a line of its own where new-handler should insert`,
    };
  if (found.length > 1)
    return { ok: false, reason: `"// ${marker}" appears ${found.length} times; keep one` };
  const indent = match[1] ?? "";
  const indented = lines
    .split("\n")
    .map((line) => (line === "" ? line : `${indent}${line}`))
    .join("\n");
  const at = match.index;
  return { ok: true, text: `${text.slice(0, at)}${indented}${text.slice(at)}` };
}
