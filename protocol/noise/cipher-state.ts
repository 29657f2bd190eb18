import { NoiseError } from "./errors.ts";
import type { CipherFunction, PreparedKey } from "./suite.ts";

const EMPTY = new Uint8Array(0);
const MAX_NONCE = 0xffff_ffff_ffff_ffffn;

/** Serializable form: raw key bytes and counter, safe for structured clone (hibernation attachments). */
export interface CipherStateSnapshot {
  readonly k: Uint8Array | null;
  readonly n: number;
}

/**
 * Spec §5.1. The counter is a JS number: 2^53 messages can never be reached on one
 * connection, and we refuse to go past it rather than silently lose precision.
 */
export class CipherState {
  #k: Uint8Array | null = null;
  #prepared: PreparedKey | null = null;
  #n = 0;

  constructor(readonly cipher: CipherFunction) {}

  static async restore(cipher: CipherFunction, snapshot: CipherStateSnapshot): Promise<CipherState> {
    const cs = new CipherState(cipher);
    await cs.initializeKey(snapshot.k);
    cs.#n = snapshot.n;
    return cs;
  }

  async initializeKey(k: Uint8Array | null): Promise<void> {
    this.#k = k ? k.slice() : null;
    this.#prepared = k ? await this.cipher.prepareKey(k) : null;
    this.#n = 0;
  }

  hasKey(): boolean {
    return this.#k !== null;
  }

  get nonce(): number {
    return this.#n;
  }

  setNonce(n: number): void {
    this.#n = n;
  }

  snapshot(): CipherStateSnapshot {
    return { k: this.#k ? this.#k.slice() : null, n: this.#n };
  }

  /**
   * Claims the current nonce synchronously, before any await: two concurrent calls
   * can then never encrypt or decrypt under the same nonce.
   */
  #claimNonce(): bigint {
    if (this.#n >= Number.MAX_SAFE_INTEGER) throw new NoiseError("nonce-exhausted", "nonce space exhausted");
    return BigInt(this.#n++);
  }

  async encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    if (!this.#prepared) return plaintext;
    return this.cipher.encrypt(this.#prepared, this.#claimNonce(), ad, plaintext);
  }

  async decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    if (!this.#prepared) return ciphertext;
    // §5.1: on authentication failure n is not incremented, so a forged message cannot desync the peer.
    const n = this.#n;
    if (n >= Number.MAX_SAFE_INTEGER) throw new NoiseError("nonce-exhausted", "nonce space exhausted");
    this.#n = n + 1;
    try {
      return await this.cipher.decrypt(this.#prepared, BigInt(n), ad, ciphertext);
    } catch {
      if (this.#n === n + 1) this.#n = n;
      throw new NoiseError("decrypt-failed", "message authentication failed");
    }
  }

  /** Spec §4.2 REKEY: k = first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zero bytes). */
  async rekey(): Promise<void> {
    if (!this.#prepared) throw new NoiseError("missing-key", "rekey without a key");
    const next = (await this.cipher.encrypt(this.#prepared, MAX_NONCE, EMPTY, new Uint8Array(32))).slice(0, 32);
    const n = this.#n;
    await this.initializeKey(next);
    this.#n = n;
  }
}
