// Shape checks for the keys a message carries. Only type byte and length: whether a point is
// usable is the session layer's question. libsignal accepts an EC key with bytes after the
// 33rd (and ignores them); we refuse, since no encoder writes one and the extra bytes would
// make two encodings of one key.
import { EC_KEY_TYPE, EC_PUBLIC_LENGTH, KYBER_KEY_TYPE } from "../../../protocol/signal/keys.ts";
import { WireError } from "./errors.ts";

/** ML-KEM-1024 ciphertext (1568 bytes) behind libsignal's 0x08 key-type byte. */
export const KYBER_CIPHERTEXT_LENGTH = 1569;
export const MAC_KEY_LENGTH = 32;

export function checkEcPublicKey(name: string, key: Uint8Array): Uint8Array {
  if (key.length !== EC_PUBLIC_LENGTH || key[0] !== EC_KEY_TYPE) {
    throw new WireError("bad-key", `${name} must be ${EC_PUBLIC_LENGTH} bytes starting with 0x05`, name);
  }
  return key;
}

/** libsignal refuses other lengths and type bytes when it decapsulates ("bad KEM key type"). */
export function checkKyberCiphertext(name: string, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length !== KYBER_CIPHERTEXT_LENGTH || ciphertext[0] !== KYBER_KEY_TYPE) {
    throw new WireError("bad-key", `${name} must be ${KYBER_CIPHERTEXT_LENGTH} bytes starting with 0x08`, name);
  }
  return ciphertext;
}

/** libsignal refuses any other length ("invalid MAC key length"). */
export function checkMacKey(macKey: Uint8Array): Uint8Array {
  if (macKey.length !== MAC_KEY_LENGTH) throw new WireError("bad-key", `MAC key must be ${MAC_KEY_LENGTH} bytes`);
  return macKey;
}
