import { base64UrlToBytes } from "../protocol/bytes.ts";
import type { Env } from "./env.ts";

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

type KeySecret = "NOISE_STATIC_KEY" | "ROOT_SIGNING_KEY" | "NETWORK_ID_KEY" | "MEDIA_TOKEN_KEY" | "DEV_PROVIDER_KEY";

/** A 32-byte key from a base64url secret, with an error that says how to fix it. */
export function secretKey(env: Env, name: KeySecret): Uint8Array {
  const value = env[name];
  if (!value) {
    throw new ConfigurationError(`${name} is not set: run \`npm start\` (writes .dev.vars) or \`wrangler secret put ${name}\``);
  }
  let bytes: Uint8Array;
  try {
    bytes = base64UrlToBytes(value);
  } catch {
    throw new ConfigurationError(`${name} is not base64url`);
  }
  if (bytes.length !== 32) throw new ConfigurationError(`${name} must encode exactly 32 bytes`);
  return bytes;
}
