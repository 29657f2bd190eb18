/**
 * libsignal's key serializations: public keys travel with a one-byte type prefix, and
 * signatures are computed over these serialized forms, so every byte here is part of
 * interoperability with libsignal-based clients.
 */
export const EC_KEY_TYPE = 0x05; // Curve25519 (DJB)
// Round-3 Kyber1024 (CRYSTALS-Kyber v3.02), libsignal's "Kyber1024": the same key bytes as
// FIPS 203 ML-KEM-1024 but a different shared secret (client/signal/kyber1024.ts).
export const KYBER_KEY_TYPE = 0x08;
export const EC_PUBLIC_LENGTH = 33;
export const KYBER_PUBLIC_LENGTH = 1569;
export const SIGNATURE_LENGTH = 64;

export class KeyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyFormatError";
  }
}

export function serializeEcPublic(raw: Uint8Array): Uint8Array {
  if (raw.length !== 32) throw new KeyFormatError("Curve25519 public key must be 32 bytes");
  const out = new Uint8Array(EC_PUBLIC_LENGTH);
  out[0] = EC_KEY_TYPE;
  out.set(raw, 1);
  return out;
}

export function deserializeEcPublic(serialized: Uint8Array): Uint8Array {
  if (serialized.length !== EC_PUBLIC_LENGTH || serialized[0] !== EC_KEY_TYPE) {
    throw new KeyFormatError(`EC public key must be ${EC_PUBLIC_LENGTH} bytes starting with 0x05`);
  }
  return serialized.slice(1);
}

export function serializeKyberPublic(raw: Uint8Array): Uint8Array {
  if (raw.length !== KYBER_PUBLIC_LENGTH - 1) throw new KeyFormatError("Kyber1024 public key must be 1568 bytes");
  const out = new Uint8Array(KYBER_PUBLIC_LENGTH);
  out[0] = KYBER_KEY_TYPE;
  out.set(raw, 1);
  return out;
}

export function deserializeKyberPublic(serialized: Uint8Array): Uint8Array {
  if (serialized.length !== KYBER_PUBLIC_LENGTH || serialized[0] !== KYBER_KEY_TYPE) {
    throw new KeyFormatError(`Kyber public key must be ${KYBER_PUBLIC_LENGTH} bytes starting with 0x08`);
  }
  return serialized.slice(1);
}
