import { describe, expect, it } from "vitest";
import { addressKey } from "./address-key.ts";

describe("addressKey", () => {
  it("counts an IPv4 address as itself, also when IPv4-mapped", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 addresses per /56, so one holder cannot rotate through its addresses", () => {
    const key = addressKey("2001:db8:1234:5601::1");
    expect(key).toBe("2001:db8:1234:5600::/56");
    expect(addressKey("2001:db8:1234:56ff:ffff:ffff:ffff:ffff")).toBe(key);
    expect(addressKey("2001:0db8:1234:5600:0:0:0:9")).toBe(key);
    expect(addressKey("2001:db8:1234:5701::1")).not.toBe(key);
    expect(addressKey("::1")).toBe("0:0:0:0::/56");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/56");
  });

  it("names an unknown address rather than failing", () => {
    expect(addressKey(undefined)).toBe("unknown");
    expect(addressKey("")).toBe("unknown");
  });
});
