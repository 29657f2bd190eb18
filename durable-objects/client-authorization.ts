import { networkIdFor } from "../gateway/auth/identifiers.ts";
import { TokenError, verifyProviderToken } from "../gateway/auth/provider-token.ts";
import type { Env } from "../gateway/env.ts";
import { timingSafeEqual } from "../protocol/bytes.ts";
import { CloseCode } from "../protocol/close-codes.ts";
import { decodeClientHello } from "../protocol/messages.ts";
import type { DeviceRegistry } from "./device-registry.ts";

export class ForbiddenError extends Error {
  constructor(
    message: string,
    /** The close code that tells the device why: removed devices are told apart from strangers. */
    readonly code: number = CloseCode.FORBIDDEN,
  ) {
    super(message);
    this.name = "ForbiddenError";
  }
}

export interface AuthorizedClient {
  readonly deviceId: string;
  readonly providerId: string;
  /** The device reads several stanzas per transport message. */
  readonly stanzaBatches: boolean;
}

/**
 * The single gate between an authenticated Noise peer and a user's Durable Object. The
 * peer may act for this user only if its fresh provider token verifies, was issued for
 * this user (the network ID derives from the token's provider and subject, so provider A's
 * tokens can never reach provider B's users), is bound to the very static key that just
 * completed the handshake, names an enrolled device with that key, and was never used before.
 * Token problems are retryable (TokenError); identity mismatches are not (ForbiddenError).
 */
export async function authorizeClient(
  env: Env,
  devices: DeviceRegistry,
  networkId: string,
  helloBytes: Uint8Array,
  clientStaticKey: Uint8Array,
  nowMs: number,
): Promise<AuthorizedClient> {
  const hello = decodeClientHello(helloBytes);
  if (hello.networkId !== networkId) throw new ForbiddenError("hello is for a different user than this connection");
  const token = await verifyProviderToken(env, hello.providerToken, nowMs);
  if ((await networkIdFor(env, token.provider.id, token.sub)) !== networkId) {
    throw new ForbiddenError("provider token is for a different user");
  }
  if (!timingSafeEqual(token.deviceKey, clientStaticKey)) {
    throw new ForbiddenError("provider token is bound to a different device key");
  }
  if (!devices.isEnrolled(hello.deviceId, clientStaticKey)) {
    if (devices.wasRemoved(hello.deviceId, clientStaticKey)) throw new ForbiddenError("this device was removed; enroll it again to come back", CloseCode.DEVICE_REMOVED);
    throw new ForbiddenError("device is not enrolled with this key");
  }
  if (!devices.useToken(token.jti, token.expMs, nowMs)) throw new TokenError("replayed", "provider token replayed");
  return { deviceId: hello.deviceId, providerId: token.provider.id, stanzaBatches: hello.stanzaBatches === true };
}
