/**
 * The algorithm slots of a Noise protocol name (spec §12): DH, cipher, hash.
 * DH and AEAD are async so the WebCrypto implementations (native in workerd,
 * ~15x faster than pure JS) can fill them; hashing stays synchronous (noble)
 * because Noise only hashes a few hundred bytes per handshake.
 */

export interface KeyPair {
  readonly publicKey: Uint8Array;
  /**
   * Raw private scalar. Absent for keys generated inside WebCrypto: exporting costs time
   * and is only needed to persist the key (`DhFunction.exportPrivateKey`).
   */
  readonly privateKey?: Uint8Array;
  /** Implementation-specific cached handle (e.g. an imported CryptoKey); never serialized. */
  readonly handle?: unknown;
}

export interface DhFunction {
  readonly name: string;
  readonly dhLen: number;
  generateKeyPair(): Promise<KeyPair>;
  /**
   * `publicKey`: the matching public key when it is already known (saved with the private
   * key), which spares deriving it (a scalar multiplication). Trusted, not checked.
   */
  keyPairFromPrivate(privateKey: Uint8Array, publicKey?: Uint8Array): Promise<KeyPair>;
  dh(keyPair: KeyPair, publicKey: Uint8Array): Promise<Uint8Array>;
  /** The raw private scalar, for persisting a key pair (e.g. a hibernating handshake). */
  exportPrivateKey(keyPair: KeyPair): Promise<Uint8Array>;
}

/** A cipher key prepared once per CipherState (e.g. an AES-GCM CryptoKey), reused for every message. */
export type PreparedKey = unknown;

export interface CipherFunction {
  readonly name: string;
  prepareKey(k: Uint8Array): Promise<PreparedKey>;
  /** `nonce` is the 64-bit Noise counter n; the cipher encodes it per spec §12. */
  encrypt(key: PreparedKey, nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Throws (any error) when authentication fails. */
  decrypt(key: PreparedKey, nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

export interface HashFunction {
  readonly name: string;
  readonly hashLen: number;
  hash(data: Uint8Array): Uint8Array;
  /** Noise HKDF (spec §4.3) = RFC 5869 HKDF with salt = chaining key and empty info. */
  hkdf(chainingKey: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] | Promise<Uint8Array[]>;
}

export interface CipherSuite {
  readonly dh: DhFunction;
  readonly cipher: CipherFunction;
  readonly hash: HashFunction;
}

/** Which implementation family to prefer when both can serve an algorithm. */
export type Backend = "webcrypto" | "noble";
