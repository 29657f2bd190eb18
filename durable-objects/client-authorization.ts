import { decodeClientHello, type ClientHello } from "../protocol/messages.ts";
import { DEVICE_ID_PATTERN } from "../protocol/identifiers.ts";

export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/**
 * Decides whether an authenticated Noise peer may act for this Durable Object's user.
 * Today: the hello must name this user and a well-formed device. Issue #3 adds the
 * enrolled-device key match and provider JWT verification here, at this single gate.
 */
export function authorizeClient(networkId: string, helloBytes: Uint8Array, _clientStaticKey: Uint8Array): ClientHello {
  const hello = decodeClientHello(helloBytes);
  if (hello.networkId !== networkId) throw new ForbiddenError("hello is for a different user than this connection");
  if (!DEVICE_ID_PATTERN.test(hello.deviceId)) throw new ForbiddenError("hello carries no valid device ID");
  return hello;
}
