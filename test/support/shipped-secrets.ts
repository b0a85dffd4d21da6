import { randomBytes } from "node:crypto";
import { secretVariables } from "@skyhook/service-kit";

/** `.env.example`'s Redis password is compose's, not a process's: it ends up in REDIS_URL. */
const composeSecrets = ["REDIS_PASSWORD"];

export const isSecretVariable = (name: string): boolean =>
  (secretVariables as readonly string[]).includes(name) || composeSecrets.includes(name);

/** A value of the same kind as `value`, generated as an operator filling in the example would. */
function generatedLike(name: string, value: string): string {
  if (value.startsWith("whsec_")) return `whsec_${randomBytes(32).toString("base64")}`;
  if (name === "REDIS_URL") {
    const url = new URL(value);
    url.password = randomBytes(24).toString("hex");
    return url.toString();
  }
  return randomBytes(24).toString("hex");
}

/**
 * The shipped example variables with every secret replaced by a generated one: what an
 * operator deploys after filling the example in. The shipped placeholders themselves must be
 * refused in production.
 */
export function withGeneratedSecrets(vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vars).map(([name, value]) => [
      name,
      isSecretVariable(name) && value !== "" ? generatedLike(name, value) : value,
    ]),
  );
}
