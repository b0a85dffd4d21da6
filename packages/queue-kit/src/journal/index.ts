export {
  decodeCursor,
  defaultJournalSettings,
  encodeCursor,
  JournalCursor,
  type JournalEntry,
  type JournalFields,
  type JournalKept,
  JournalOutcome,
  type JournalPage,
  type JournalPosition,
  type JournalReader,
  JournalSearch,
  type JournalSettings,
  journalOutcomes,
  TimelineQuery,
} from "./entry.ts";
export { journalFieldsOf } from "./fields.ts";
export { createJournalReader } from "./reader.ts";
export { searchBudget } from "./search.ts";
export { trimJournals } from "./trim-journal.ts";
export { createJournalWriter, type JournalWriter } from "./writer.ts";
