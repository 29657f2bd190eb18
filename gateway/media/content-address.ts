import { setting } from "../settings.ts";
import type { Env } from "../env.ts";

/**
 * Media is stored and named by the SHA-256 of its encrypted bytes, the hash every media
 * message already carries: equal files share one object, and a name can be checked
 * against its content by anyone, the gateway and the recipient alike.
 */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: string): boolean {
  return SHA256_HEX.test(value);
}

export function objectKey(sha256Hex: string): string {
  return `media/${sha256Hex}`;
}

export const DEFAULT_MEDIA_MAX_BYTES = 64 * 1024 * 1024;

export function mediaMaxBytes(env: Env): number {
  return Math.floor(setting(env.MEDIA_MAX_BYTES, DEFAULT_MEDIA_MAX_BYTES));
}
