import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** What the ops page's Journal section shows: an entry's row, its cells' text and outcome class. */
export type Row = { cells: string[]; outcomeClass: string };

/** The rows of the table in `container` (`#timeline` or `#search`), in the order shown. */
export async function rowsOf(page: Page, container: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const tr of await page.locator(`${container} tbody tr`).all()) {
    rows.push({
      cells: await tr.locator("td").allTextContents(),
      outcomeClass: (await tr.locator(".outcome").getAttribute("class")) ?? "",
    });
  }
  return rows;
}

/** Looks `id` up ("what happened to…"); resolves with the timeline's rows, once answered. */
export async function lookUp(page: Page, id: string, by = "pnr"): Promise<Row[]> {
  await page.locator('#timeline-form select[name="by"]').selectOption(by);
  await page.locator('#timeline-form input[name="id"]').fill(id);
  await page.getByRole("button", { name: "Look up" }).click();
  await expect.poll(() => page.locator("#timeline-result").textContent()).not.toBe("looking up…");
  return rowsOf(page, "#timeline");
}

/** The outcomes of one delivery's timeline rows (its id is the fourth column), in order. */
export const storyOf = (rows: Row[], deliveryId: string): Array<string | undefined> =>
  rows.filter((r) => r.cells[3] === deliveryId).map((r) => r.cells[1]);

/** The timeline row of one delivery's entry with that outcome. */
export const timelineRow = (page: Page, deliveryId: string, outcome: string): Locator =>
  page
    .locator("#timeline tbody tr")
    .filter({ has: page.getByRole("cell", { name: deliveryId, exact: true }) })
    .filter({ has: page.locator(".outcome", { hasText: new RegExp(`^${outcome}$`) }) });
