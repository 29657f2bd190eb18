/**
 * Network IDs are 128-bit values in lowercase RFC 4648 base32 without padding (26 chars).
 * Issue #3 derives them from (provider, subject) with an HMAC; the format is fixed here so
 * routing can reject junk before it reaches a Durable Object.
 */
export const NETWORK_ID_PATTERN = /^[a-z2-7]{26}$/;

export function isNetworkId(value: string): boolean {
  return NETWORK_ID_PATTERN.test(value);
}

/** Device IDs are assigned by the gateway at enrollment: 1-64 characters of [A-Za-z0-9_-]. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
