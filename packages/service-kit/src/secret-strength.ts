/**
 * Words that mark a value as an example rather than a secret: the placeholders this repository
 * ships (.env.example, the Kubernetes example overlay) are built from them, and a secret that
 * contains one was typed by a person.
 */
const placeholderWords = [
  "replace",
  "change-me",
  "changeme",
  "example",
  "placeholder",
  "secret",
  "password",
  "skyhook-dev",
  "your-",
];

/** The placeholder word `value` contains, if any: the mark of an example, not a secret. */
export function placeholderWordIn(value: string): string | undefined {
  const lower = value.toLowerCase();
  return placeholderWords.find((w) => lower.includes(w));
}

/** Shannon entropy of the characters actually used, in bits for the whole value. */
function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * value.length;
}

/** True when the value is one short unit repeated (`abcabcabc…`). */
function isRepetition(value: string): boolean {
  for (let unit = 1; unit <= value.length / 2; unit++) {
    if (value.length % unit === 0 && value.slice(0, unit).repeat(value.length / unit) === value)
      return true;
  }
  return false;
}

/**
 * True when much of the value steps by one through the alphabet or the digits (`abcdef…`) or
 * repeats the character before it (`aaaabbbb…`): a random value does either rarely.
 */
function isMostlyRuns(value: string): boolean {
  let walked = 0;
  let repeated = 0;
  for (let i = 1; i < value.length; i++) {
    const step = value.charCodeAt(i) - value.charCodeAt(i - 1);
    if (step === 1 || step === -1) walked++;
    if (step === 0) repeated++;
  }
  return walked >= ((value.length - 1) * 2) / 3 || repeated >= (value.length - 1) / 2;
}

/**
 * Why `value` is too weak to be a production secret, or undefined when it will do. Not a
 * password meter: it refuses what is obviously not random (short, a shipped placeholder, one
 * character repeated, a keyboard walk) and lets any value a generator made pass, e.g.
 * `openssl rand -hex 24` or `openssl rand -base64 32`.
 */
export function weakSecretReason(value: string, minLength: number): string | undefined {
  if (value.length < minLength) return `shorter than ${minLength} characters`;
  const word = placeholderWordIn(value);
  if (word !== undefined) return `looks like a placeholder (contains "${word}"), not a secret`;
  if (isRepetition(value) || isMostlyRuns(value) || estimatedBits(value) < 80)
    return "too predictable (repeated or sequential characters); generate it, e.g. openssl rand -base64 48";
  return undefined;
}
