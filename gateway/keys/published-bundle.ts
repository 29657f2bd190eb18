import { base64UrlToBytes, bytesToBase64Url } from "../../protocol/bytes.ts";
import type { SignedKey, WireBundle } from "../../protocol/stanzas/index.ts";

/**
 * The public part of a device's bundle as stored in KV (`bundle:<networkId>:<deviceId>`) and
 * served at the edge by GET /v1/keys: identity, signed prekey, last-resort Kyber prekey. No
 * one-time keys: those only ever come from the owner's Durable Object, exactly once.
 */
export interface PublishedBundleJson {
  readonly deviceId: string;
  readonly registrationId: number;
  readonly identityKey: string;
  readonly signedPreKey: SignedKeyJson;
  readonly kyberLastResortPreKey: SignedKeyJson;
}

interface SignedKeyJson {
  readonly id: number;
  readonly publicKey: string;
  readonly signature: string;
}

const signed = (k: SignedKey): SignedKeyJson => ({ id: k.id, publicKey: bytesToBase64Url(k.publicKey), signature: bytesToBase64Url(k.signature) });

export function publishedBundleJson(b: Omit<WireBundle, "preKey">): PublishedBundleJson {
  return {
    deviceId: b.deviceId,
    registrationId: b.registrationId,
    identityKey: bytesToBase64Url(b.identityKey),
    signedPreKey: signed(b.signedPreKey),
    kyberLastResortPreKey: signed(b.kyberPreKey),
  };
}

export function publishedBundleFromJson(j: PublishedBundleJson): Omit<WireBundle, "preKey"> {
  const key = (k: SignedKeyJson): SignedKey => ({ id: k.id, publicKey: base64UrlToBytes(k.publicKey), signature: base64UrlToBytes(k.signature) });
  return {
    deviceId: j.deviceId,
    registrationId: j.registrationId,
    identityKey: base64UrlToBytes(j.identityKey),
    signedPreKey: key(j.signedPreKey),
    kyberPreKey: key(j.kyberLastResortPreKey),
  };
}
