import { readFileSync } from "node:fs";
import { z } from "zod";
import { SubscriptionEntry, SubscriptionFilters } from "./subscription.ts";

export const SubscriptionsFile = z.array(SubscriptionEntry).min(1);

export type Entries = { entries: SubscriptionEntry[]; problems: string[] };

/** Names the file's schema knows: the only strings a problem may quote from the file. */
const fieldNames: ReadonlySet<string> = new Set([
  ...Object.keys(SubscriptionEntry.shape),
  ...Object.keys(SubscriptionFilters.shape),
  "pastSec",
  "futureSec",
]);

/** A misspelt field (`clientSecrte`) is letters only; a secret pasted as a key hardly ever is. */
const looksLikeFieldName = (key: string) => /^[A-Za-z]{1,40}$/.test(key);

/**
 * One line per schema problem, naming where it is and why, and quoting nothing else from the
 * file: the file holds secrets, and zod quotes unknown keys and keeps record keys in the path.
 */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path
    .map((segment) =>
      typeof segment === "number" || fieldNames.has(String(segment)) ? String(segment) : "<key>",
    )
    .join(".");
  if (issue.code !== "unrecognized_keys") return `[${where}]: ${issue.message}`;
  const named = issue.keys.filter(looksLikeFieldName);
  const withheld = issue.keys.length - named.length;
  const listed = [
    ...named.map((key) => `"${key}"`),
    ...(withheld > 0 ? [`${withheld} not shown (not a field name)`] : []),
  ];
  return `[${where}]: unknown field ${listed.join(", ")}`;
}

/**
 * The subscriptions in `path`. Every problem names SUBSCRIPTIONS_FILE and the path; none quotes
 * the file, so a start-up error never prints a fragment of a secret (JSON.parse's own message
 * quotes the text around the fault).
 */
export function readSubscriptionsFile(path: string): Entries {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code =
      typeof err === "object" && err !== null && "code" in err ? String(err.code) : "unreadable";
    return { entries: [], problems: [`SUBSCRIPTIONS_FILE: cannot read ${path} (${code})`] };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      entries: [],
      problems: [
        `SUBSCRIPTIONS_FILE: ${path} is not valid JSON (the parser's message is not shown: it quotes the file, which holds secrets)`,
      ],
    };
  }
  const parsed = SubscriptionsFile.safeParse(raw);
  if (parsed.success) return { entries: parsed.data, problems: [] };
  return {
    entries: [],
    problems: parsed.error.issues.map((i) => `SUBSCRIPTIONS_FILE ${path} ${describeIssue(i)}`),
  };
}
