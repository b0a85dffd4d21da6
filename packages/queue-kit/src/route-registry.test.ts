import { queueNamesFor } from "@skyhook/contracts";
import { describe, expect, it } from "vitest";
import { AnnouncedRoute } from "./route-registry.ts";

const announced = {
  eventType: "PNR_V3",
  operation: "BOOKING_TICKETED",
  retry: { attempts: 5, backoffMs: 1_000, jitter: 0.5 },
  announcedAt: "2026-11-27T10:00:00.000Z",
};

describe("AnnouncedRoute", () => {
  it("derives the filtered queue of a route announced by a worker that did not name it", () => {
    const names = queueNamesFor("PNR_V3", "BOOKING_TICKETED");
    const { filtered: _, ...older } = names;
    const parsed = AnnouncedRoute.parse({ ...announced, queues: older });
    expect(parsed.queues).toEqual(names);
  });

  it("refuses an announcement whose queue is not a queue name", () => {
    const queues = { queue: "pnr-v3.booking-ticketed", deadLetter: "x", stale: "y" };
    expect(AnnouncedRoute.safeParse({ ...announced, queues }).success).toBe(false);
  });
});
