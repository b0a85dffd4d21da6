import { formatPasswordHash } from "@skyhook/service-kit";
import { describe, expect, it } from "vitest";
import { parseUsersFile } from "./users-file.ts";

const hashOf = (logN: number, p = 1) =>
  formatPasswordHash({
    logN,
    r: 8,
    p,
    salt: Buffer.alloc(16, 7),
    key: Buffer.alloc(32, 9),
  });
const strong = hashOf(15, 4);

describe("parseUsersFile", () => {
  it("reads name:role:hash lines, skipping comments and blank lines", () => {
    const parsed = parseUsersFile(
      `# operators\nada:operator:${strong}\n\n  grace@example.com:viewer:${strong}  \n`,
      true,
    );
    expect(parsed.ok && parsed.users.map((u) => [u.name, u.role, u.secret.kind])).toEqual([
      ["ada", "operator", "hash"],
      ["grace@example.com", "viewer", "hash"],
    ]);
  });

  it("names each bad line and what is wrong with it, never its content", () => {
    const text = [
      `ada:admin:${strong}`,
      `bad name:viewer:${strong}`,
      "eve:viewer:plaintext-password",
      `ada:viewer:${strong}`,
      `ada:operator:${strong}`,
      "too:many:colons:here",
    ].join("\n");
    const parsed = parseUsersFile(text, false);
    expect(parsed.ok).toBe(false);
    const problems = parsed.ok ? [] : parsed.problems;
    expect(problems).toEqual([
      "line 1: the role must be viewer or operator",
      "line 2: the user name must be 1-64 letters, digits, . _ @ -",
      expect.stringMatching(/^line 3: not a hash of the form/),
      "line 5: ada is listed twice",
      "line 6: expected name:role:hash",
    ]);
    expect(problems.join("\n")).not.toContain("plaintext-password");
    expect(problems.join("\n")).not.toContain(strong);
  });

  it("refuses in production a hash made with less work than production requires", () => {
    const weak = `ada:operator:${hashOf(10)}`;
    expect(parseUsersFile(weak, false).ok).toBe(true);
    const parsed = parseUsersFile(weak, true);
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      expect.stringMatching(
        /^line 1 \(ada\): the hash is too weak for production: too little work/,
      ),
    ]);
  });

  it("refuses a file that lists nobody", () => {
    expect(parseUsersFile("# nobody yet\n", false)).toEqual({
      ok: false,
      problems: ["lists no user"],
    });
  });
});
