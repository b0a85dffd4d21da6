import { describe, expect, it } from "vitest";
import { throttledLog } from "./throttled-log.ts";

describe("throttledLog", () => {
  it("logs the first of a burst, then one line per interval with how many it left out", () => {
    let clock = 0;
    const lines: Array<[string, number]> = [];
    const log = throttledLog<string>(
      (item, suppressed) => lines.push([item, suppressed]),
      1_000,
      () => clock,
    );
    for (let i = 0; i < 25; i++) {
      log(`error ${i}`);
      clock += 100;
    }
    expect(lines).toEqual([
      ["error 0", 0],
      ["error 10", 9],
      ["error 20", 9],
    ]);
  });

  it("logs again at once after a quiet interval", () => {
    let clock = 0;
    const lines: string[] = [];
    const log = throttledLog<string>(
      (item) => lines.push(item),
      1_000,
      () => clock,
    );
    log("a");
    clock = 5_000;
    log("b");
    expect(lines).toEqual(["a", "b"]);
  });
});
