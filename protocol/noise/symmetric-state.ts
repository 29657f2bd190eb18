import { concatBytes, utf8 } from "../bytes.ts";
import { CipherState, type CipherStateSnapshot } from "./cipher-state.ts";
import type { CipherSuite } from "./suite.ts";

export interface SymmetricStateSnapshot {
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly cipher: CipherStateSnapshot;
}

/** Spec §5.2. */
export class SymmetricState {
  private constructor(
    readonly suite: CipherSuite,
    private ck: Uint8Array,
    private h: Uint8Array,
    readonly cipherState: CipherState,
  ) {}

  static initialize(suite: CipherSuite, protocolName: string): SymmetricState {
    const name = utf8.encode(protocolName);
    const hashLen = suite.hash.hashLen;
    let h: Uint8Array;
    if (name.length <= hashLen) {
      h = new Uint8Array(hashLen);
      h.set(name);
    } else {
      h = suite.hash.hash(name);
    }
    return new SymmetricState(suite, h.slice(), h, new CipherState(suite.cipher));
  }

  static async restore(suite: CipherSuite, snapshot: SymmetricStateSnapshot): Promise<SymmetricState> {
    const cs = await CipherState.restore(suite.cipher, snapshot.cipher);
    return new SymmetricState(suite, snapshot.ck.slice(), snapshot.h.slice(), cs);
  }

  snapshot(): SymmetricStateSnapshot {
    return { ck: this.ck.slice(), h: this.h.slice(), cipher: this.cipherState.snapshot() };
  }

  get handshakeHash(): Uint8Array {
    return this.h.slice();
  }

  /** HASHLEN 64 hashes truncate derived keys to 32 bytes (spec §5.2). */
  #truncate(key: Uint8Array): Uint8Array {
    return key.length === 32 ? key : key.slice(0, 32);
  }

  async mixKey(ikm: Uint8Array): Promise<void> {
    const [ck, tempK] = (await this.suite.hash.hkdf(this.ck, ikm, 2)) as [Uint8Array, Uint8Array];
    this.ck = ck;
    await this.cipherState.initializeKey(this.#truncate(tempK));
  }

  mixHash(data: Uint8Array): void {
    this.h = this.suite.hash.hash(concatBytes(this.h, data));
  }

  async mixKeyAndHash(ikm: Uint8Array): Promise<void> {
    const [ck, tempH, tempK] = (await this.suite.hash.hkdf(this.ck, ikm, 3)) as [Uint8Array, Uint8Array, Uint8Array];
    this.ck = ck;
    this.mixHash(tempH);
    await this.cipherState.initializeKey(this.#truncate(tempK));
  }

  async encryptAndHash(plaintext: Uint8Array): Promise<Uint8Array> {
    const ciphertext = await this.cipherState.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  async decryptAndHash(ciphertext: Uint8Array): Promise<Uint8Array> {
    const plaintext = await this.cipherState.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  async split(): Promise<[CipherState, CipherState]> {
    const [k1, k2] = (await this.suite.hash.hkdf(this.ck, new Uint8Array(0), 2)) as [Uint8Array, Uint8Array];
    const c1 = new CipherState(this.suite.cipher);
    const c2 = new CipherState(this.suite.cipher);
    await c1.initializeKey(this.#truncate(k1));
    await c2.initializeKey(this.#truncate(k2));
    return [c1, c2];
  }
}
