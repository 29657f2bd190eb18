import { base64UrlToBytes } from "../protocol/bytes.ts";

export interface Enrollment {
  readonly networkId: string;
  readonly deviceId: string;
  readonly provider: string;
  readonly identifier: string;
  /** True when this call registered the device (false: it was already enrolled). */
  readonly created: boolean;
  /** Gateway keys as returned by the gateway; pin `rootKey` from your provider in production. */
  readonly gateway: { readonly rootKey: Uint8Array; readonly staticKey: Uint8Array };
}

export class EnrollmentError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "EnrollmentError";
  }
}

/**
 * Enrolls a device: `token` is a provider-signed JWT for the user whose `cnf.jwk` is the
 * device's X25519 Noise static public key (docs/providers.md). Safe to repeat.
 */
export async function enroll(gatewayUrl: string, token: string, fetcher: typeof fetch = fetch): Promise<Enrollment> {
  const res = await fetcher(`${gatewayUrl.replace(/\/$/, "")}/v1/enroll`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    throw new EnrollmentError(res.status, String(body.error), body.reason as string | undefined, String(body.message ?? res.statusText));
  }
  const gateway = body.gateway as { rootKey: string; staticKey: string };
  return {
    networkId: String(body.networkId),
    deviceId: String(body.deviceId),
    provider: String(body.provider),
    identifier: String(body.identifier),
    created: body.created === true,
    gateway: { rootKey: base64UrlToBytes(gateway.rootKey), staticKey: base64UrlToBytes(gateway.staticKey) },
  };
}
