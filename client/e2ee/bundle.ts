// Checking a prekey bundle before any key in it is used: every key well-formed, both prekey
// signatures made by the bundle's identity key.
import {
  EC_PUBLIC_LENGTH,
  KYBER_PUBLIC_LENGTH,
  SIGNATURE_LENGTH,
  deserializeEcPublic,
  deserializeKyberPublic,
} from "../../protocol/signal/keys.ts";
import { xeddsaVerify } from "../../protocol/signal/xeddsa.ts";
import { BundleError } from "./errors.ts";
import { isKeyId } from "./keys.ts";

/** What the gateway returns for one device (libsignal's PreKeyBundle fields). */
export interface PreKeyBundle {
  /** Parley device ID. */
  readonly deviceId: string;
  /** u32. */
  readonly registrationId: number;
  /** 33 bytes, 0x05-prefixed. */
  readonly identityKey: Uint8Array;
  readonly signedPreKey: { readonly id: number; readonly publicKey: Uint8Array; readonly signature: Uint8Array };
  readonly kyberPreKey: { readonly id: number; readonly publicKey: Uint8Array; readonly signature: Uint8Array };
  /** One-time EC prekey; absent when the device's supply is exhausted. */
  readonly preKey?: { readonly id: number; readonly publicKey: Uint8Array };
}

const isBytes = (v: unknown, length: number): v is Uint8Array => v instanceof Uint8Array && v.length === length;

function isEcKey(v: unknown): v is Uint8Array {
  if (!isBytes(v, EC_PUBLIC_LENGTH)) return false;
  try {
    deserializeEcPublic(v);
    return true;
  } catch {
    return false;
  }
}

function isKyberKey(v: unknown): v is Uint8Array {
  if (!isBytes(v, KYBER_PUBLIC_LENGTH)) return false;
  try {
    deserializeKyberPublic(v);
    return true;
  } catch {
    return false;
  }
}

/** Throws BundleError("malformed") or BundleError("bad-signature"); bundles come from the network, so nothing is assumed. */
export function verifyBundle(bundle: PreKeyBundle): void {
  const { signedPreKey, kyberPreKey, preKey } = bundle;
  const wellFormed =
    isKeyId(bundle.registrationId) &&
    isEcKey(bundle.identityKey) &&
    isKeyId(signedPreKey?.id) &&
    isEcKey(signedPreKey.publicKey) &&
    isBytes(signedPreKey.signature, SIGNATURE_LENGTH) &&
    isKeyId(kyberPreKey?.id) &&
    isKyberKey(kyberPreKey.publicKey) &&
    isBytes(kyberPreKey.signature, SIGNATURE_LENGTH) &&
    (preKey === undefined || (isKeyId(preKey.id) && isEcKey(preKey.publicKey)));
  if (!wellFormed) throw new BundleError("malformed", `malformed prekey bundle for device ${bundle.deviceId}`);

  const identity = deserializeEcPublic(bundle.identityKey);
  if (!xeddsaVerify(identity, signedPreKey.publicKey, signedPreKey.signature)) {
    throw new BundleError("bad-signature", `signed prekey ${signedPreKey.id} of device ${bundle.deviceId} has a bad signature`);
  }
  if (!xeddsaVerify(identity, kyberPreKey.publicKey, kyberPreKey.signature)) {
    throw new BundleError("bad-signature", `Kyber prekey ${kyberPreKey.id} of device ${bundle.deviceId} has a bad signature`);
  }
}
