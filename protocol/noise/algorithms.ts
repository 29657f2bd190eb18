import { nobleAesGcm, nobleChaChaPoly, webcryptoAesGcm } from "./ciphers.ts";
import { nobleX25519, webcryptoX25519 } from "./dh25519.ts";
import { NoiseError } from "./errors.ts";
import { HASHES, NATIVE_HASHES } from "./hashes.ts";
import type { ProtocolName } from "./patterns.ts";
import type { Backend, CipherFunction, CipherSuite, DhFunction } from "./suite.ts";

const DH: Record<Backend, Record<string, DhFunction>> = {
  webcrypto: { "25519": webcryptoX25519 },
  noble: { "25519": nobleX25519 },
};

// WebCrypto has no ChaCha20-Poly1305, so that slot is always noble.
const CIPHERS: Record<Backend, Record<string, CipherFunction>> = {
  webcrypto: { AESGCM: webcryptoAesGcm, ChaChaPoly: nobleChaChaPoly },
  noble: { AESGCM: nobleAesGcm, ChaChaPoly: nobleChaChaPoly },
};

/**
 * Workers (workerd) run WebCrypto synchronously on the calling thread, so there even HKDF is
 * cheaper native; elsewhere small hashing stays in JS. `navigator.userAgent` is how Workers
 * document identifying themselves.
 */
const ON_WORKERS = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === "Cloudflare-Workers";

export function resolveSuite(name: ProtocolName, backend: Backend = "webcrypto"): CipherSuite {
  const dh = DH[backend][name.dh];
  const cipher = CIPHERS[backend][name.cipher];
  const hash = (backend === "webcrypto" && ON_WORKERS ? NATIVE_HASHES : HASHES)[name.hash];
  if (!dh || !cipher || !hash) {
    throw new NoiseError("unsupported-algorithm", `unsupported algorithms in ${name.full}`);
  }
  return { dh, cipher, hash };
}
