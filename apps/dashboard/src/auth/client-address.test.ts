import { describe, expect, it } from "vitest";
import { clientAddressKey } from "./client-address.ts";

describe("clientAddressKey", () => {
  it("counts IPv4, and IPv4 mapped into IPv6, per address", () => {
    expect(clientAddressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 per /56, however the address is written", () => {
    const key = clientAddressKey("2001:db8:1234:5601::1");
    expect(key).toBe("2001:db8:1234:5600::/56");
    expect(clientAddressKey("2001:db8:1234:56ff:ffff:ffff:ffff:ffff")).toBe(key);
    expect(clientAddressKey("2001:0db8:1234:5600:0:0:0:9")).toBe(key);
    expect(clientAddressKey("2001:db8:1234:5701::1")).not.toBe(key);
    expect(clientAddressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/56");
  });

  it("names a request without an address", () => {
    expect(clientAddressKey(undefined)).toBe("unknown");
    expect(clientAddressKey("")).toBe("unknown");
  });
});
