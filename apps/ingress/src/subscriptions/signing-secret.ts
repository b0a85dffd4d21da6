/**
 * Spotnana hands out signing secrets as `whsec_<base64>`; the HMAC key is the decoded bytes.
 * The prefix is optional here so a secret pasted without it still works.
 */
const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function signingKeyOf(secret: string): Buffer | undefined {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (!base64.test(encoded) || encoded.length % 4 === 1) return undefined;
  const key = Buffer.from(encoded, "base64");
  return key.length >= 16 ? key : undefined;
}
