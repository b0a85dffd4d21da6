import { describe, expect, it } from "vitest";
import { createTurnBatcher, type ItemResult } from "./turn-batcher.ts";

describe("createTurnBatcher", () => {
  it("runs the items submitted in one turn as one batch per key, in submission order", async () => {
    const runs: Array<[string, number[]]> = [];
    const submit = createTurnBatcher<string, number, number>(async (key, items) => {
      runs.push([key, [...items]]);
      return items.map((n) => ({ ok: true, value: n * 10 }));
    });
    const answers = await Promise.all([submit("a", 1), submit("b", 2), submit("a", 3)]);
    expect(answers).toEqual([10, 20, 30]);
    expect(runs).toEqual([
      ["a", [1, 3]],
      ["b", [2]],
    ]);
    expect(await submit("a", 4)).toBe(40);
    expect(runs).toHaveLength(3);
  });

  it("fails only the item whose result is a failure", async () => {
    const submit = createTurnBatcher<string, number, number>(async (_key, items) =>
      items.map(
        (n): ItemResult<number> =>
          n === 2 ? { ok: false, error: new Error("refused 2") } : { ok: true, value: n },
      ),
    );
    const settled = await Promise.allSettled([submit("q", 1), submit("q", 2), submit("q", 3)]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: "refused 2" });
  });

  it("fails every item of a batch whose run throws or answers too few results", async () => {
    const thrown = createTurnBatcher<string, number, number>(() => {
      throw new Error("no connection");
    });
    await expect(Promise.all([thrown("q", 1), thrown("q", 2)])).rejects.toThrow("no connection");
    const short = createTurnBatcher<string, number, number>(async () => [{ ok: true, value: 1 }]);
    const settled = await Promise.allSettled([short("q", 1), short("q", 2)]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected"]);
  });
});
