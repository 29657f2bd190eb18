// The braid's internal authentication ([MLKB] §2.4; docs/spqr-notes.md §3, §7): a root key that
// absorbs K_spqr and then every epoch secret, and a MAC key that signs the ek header and the
// ciphertext. Its only job is to bind what the chunks carry to the session, so a forged header
// or ciphertext cannot steer the ML-KEM exchange. Values are plain immutable data (they live in
// session records, which must survive structured clone): authenticatorUpdate returns a new
// one, so the braid keeps the old one until a message has authenticated.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64UrlToBytes, bytesToBase64Url, concatBytes, timingSafeEqual } from "../../../protocol/bytes.ts";
import { SpqrError } from "./errors.ts";
import { CIPHERTEXT_MAC_INFO, HEADER_MAC_INFO, KEY_SIZE, deriveAuthenticatorKeys, be64, requireKey } from "./kdf.ts";

export const MAC_SIZE = 32;
export const HEADER_SIZE = 64;
export const CT1_SIZE = 960;
export const CT2_SIZE = 128;
const Z32 = new Uint8Array(KEY_SIZE);

export interface Authenticator {
  readonly rootKey: Uint8Array;
  readonly macKey: Uint8Array;
}

export interface AuthenticatorJSON {
  /** base64url, 32 bytes. */
  readonly rootKey: string;
  /** base64url, 32 bytes. */
  readonly macKey: string;
}

/** root = Z32, then update(1, K_spqr): epoch 1 because that is the epoch the braid opens with (observed). */
export function authenticatorInit(kSpqr: Uint8Array): Authenticator {
  requireKey(kSpqr, "K_spqr");
  return authenticatorUpdate({ rootKey: Z32, macKey: Z32 }, 1n, kSpqr);
}

export function authenticatorUpdate(auth: Authenticator, epoch: bigint, key: Uint8Array): Authenticator {
  return deriveAuthenticatorKeys(auth.rootKey, key, epoch);
}

/** Signed with the MAC key from before the epoch's update: the ek side has no K_epoch yet. */
export function macHeader(auth: Authenticator, epoch: bigint, header: Uint8Array): Uint8Array {
  requireKey(header, "ek header", HEADER_SIZE);
  return mac(auth, concatBytes(HEADER_MAC_INFO, be64(epoch), header));
}

export function verifyHeader(auth: Authenticator, epoch: bigint, header: Uint8Array, tag: Uint8Array): void {
  verify(macHeader(auth, epoch, header), tag, "ek header");
}

/** Signed with the MAC key from after update(epoch, K_epoch). */
export function macCiphertext(auth: Authenticator, epoch: bigint, ct1: Uint8Array, ct2: Uint8Array): Uint8Array {
  requireKey(ct1, "ct1", CT1_SIZE);
  requireKey(ct2, "ct2", CT2_SIZE);
  return mac(auth, concatBytes(CIPHERTEXT_MAC_INFO, be64(epoch), ct1, ct2));
}

export function verifyCiphertext(auth: Authenticator, epoch: bigint, ct1: Uint8Array, ct2: Uint8Array, tag: Uint8Array): void {
  verify(macCiphertext(auth, epoch, ct1, ct2), tag, "ciphertext");
}

export function authenticatorToJSON(auth: Authenticator): AuthenticatorJSON {
  return { rootKey: bytesToBase64Url(auth.rootKey), macKey: bytesToBase64Url(auth.macKey) };
}

export function authenticatorFromJSON(json: unknown): Authenticator {
  if (typeof json !== "object" || json === null) throw new SpqrError("bad-state", "authenticator state is not an object");
  const { rootKey, macKey } = json as Record<string, unknown>;
  return { rootKey: key(rootKey, "authenticator rootKey"), macKey: key(macKey, "authenticator macKey") };
}

const mac = (auth: Authenticator, data: Uint8Array): Uint8Array => hmac(sha256, auth.macKey, data);

function verify(expected: Uint8Array, tag: Uint8Array, what: string): void {
  requireKey(tag, `${what} MAC`, MAC_SIZE);
  if (!timingSafeEqual(expected, tag)) throw new SpqrError("bad-mac", `${what} MAC does not verify`);
}

function key(value: unknown, what: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    if (typeof value === "string") bytes = base64UrlToBytes(value);
  } catch {
    bytes = undefined;
  }
  if (bytes?.length !== KEY_SIZE) throw new SpqrError("bad-state", `${what} is not 32 bytes of base64url`);
  return bytes;
}
