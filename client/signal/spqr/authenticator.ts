// The braid's internal authentication ([MLKB] §2.4; docs/spqr-notes.md §3, §7): a root key that
// absorbs K_spqr and then every epoch secret, and a MAC key that signs the ek header and the
// ciphertext. Its only job is to bind what the chunks carry to the session, so a forged header
// or ciphertext cannot steer the ML-KEM exchange. Values are immutable: update() returns a new
// authenticator, so the braid keeps the old one until a message has authenticated.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { base64UrlToBytes, bytesToBase64Url, concatBytes, timingSafeEqual } from "../../../protocol/bytes.ts";
import { SpqrError } from "./errors.ts";
import { CIPHERTEXT_MAC_INFO, HEADER_MAC_INFO, KEY_SIZE, authenticatorUpdate, be64, requireKey } from "./kdf.ts";

export const MAC_SIZE = 32;
export const HEADER_SIZE = 64;
export const CT1_SIZE = 960;
export const CT2_SIZE = 128;
const Z32 = new Uint8Array(KEY_SIZE);

export interface AuthenticatorJSON {
  /** base64url, 32 bytes. */
  readonly rootKey: string;
  /** base64url, 32 bytes. */
  readonly macKey: string;
}

export class Authenticator {
  readonly #rootKey: Uint8Array;
  readonly #macKey: Uint8Array;

  private constructor(rootKey: Uint8Array, macKey: Uint8Array) {
    this.#rootKey = rootKey;
    this.#macKey = macKey;
  }

  /** root = Z32, then update(1, K_spqr): epoch 1 because that is the epoch the braid opens with (observed). */
  static init(kSpqr: Uint8Array): Authenticator {
    requireKey(kSpqr, "K_spqr");
    return new Authenticator(Z32, Z32).update(1n, kSpqr);
  }

  update(epoch: bigint, key: Uint8Array): Authenticator {
    const next = authenticatorUpdate(this.#rootKey, key, epoch);
    return new Authenticator(next.rootKey, next.macKey);
  }

  /** Signed with the MAC key from before the epoch's update: the ek side has no K_epoch yet. */
  macHeader(epoch: bigint, header: Uint8Array): Uint8Array {
    requireKey(header, "ek header", HEADER_SIZE);
    return this.#mac(concatBytes(HEADER_MAC_INFO, be64(epoch), header));
  }

  verifyHeader(epoch: bigint, header: Uint8Array, mac: Uint8Array): void {
    this.#verify(this.macHeader(epoch, header), mac, "ek header");
  }

  /** Signed with the MAC key from after update(epoch, K_epoch). */
  macCiphertext(epoch: bigint, ct1: Uint8Array, ct2: Uint8Array): Uint8Array {
    requireKey(ct1, "ct1", CT1_SIZE);
    requireKey(ct2, "ct2", CT2_SIZE);
    return this.#mac(concatBytes(CIPHERTEXT_MAC_INFO, be64(epoch), ct1, ct2));
  }

  verifyCiphertext(epoch: bigint, ct1: Uint8Array, ct2: Uint8Array, mac: Uint8Array): void {
    this.#verify(this.macCiphertext(epoch, ct1, ct2), mac, "ciphertext");
  }

  toJSON(): AuthenticatorJSON {
    return { rootKey: bytesToBase64Url(this.#rootKey), macKey: bytesToBase64Url(this.#macKey) };
  }

  static fromJSON(json: unknown): Authenticator {
    if (typeof json !== "object" || json === null) throw new SpqrError("bad-state", "authenticator state is not an object");
    const { rootKey, macKey } = json as Record<string, unknown>;
    return new Authenticator(key(rootKey, "authenticator rootKey"), key(macKey, "authenticator macKey"));
  }

  #mac(data: Uint8Array): Uint8Array {
    return hmac(sha256, this.#macKey, data);
  }

  #verify(expected: Uint8Array, mac: Uint8Array, what: string): void {
    requireKey(mac, `${what} MAC`, MAC_SIZE);
    if (!timingSafeEqual(expected, mac)) throw new SpqrError("bad-mac", `${what} MAC does not verify`);
  }
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
