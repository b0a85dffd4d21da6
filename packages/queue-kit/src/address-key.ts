import { isIPv4, isIPv6 } from "node:net";

/**
 * The key a client address is counted under (failed authentications, failed logins, body
 * budgets). One IPv6 holder usually has a /64 or more, so counting per address would let it
 * rotate through them: IPv6 is counted per /56. IPv4-mapped IPv6 counts as the IPv4 address.
 */
export function addressKey(ip: string | undefined): string {
  if (ip === undefined || ip === "") return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip.slice(0, 64);
  const [head = "", tail] = ip.split("%", 1)[0]?.split("::") ?? [];
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(missing).fill("0"), ...tailGroups];
  const [a = 0, b = 0, c = 0, d = 0] = groups.slice(0, 4).map((g) => Number.parseInt(g, 16) || 0);
  return `${[a, b, c, d & 0xff00].map((n) => n.toString(16)).join(":")}::/56`;
}
