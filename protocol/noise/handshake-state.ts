import { concatBytes } from "../bytes.ts";
import { resolveSuite } from "./algorithms.ts";
import type { CipherState } from "./cipher-state.ts";
import { MAX_NOISE_MESSAGE, NoiseError } from "./errors.ts";
import { parseProtocolName, type ProtocolName, type Token } from "./patterns.ts";
import type { Backend, CipherSuite, KeyPair } from "./suite.ts";
import { SymmetricState, type SymmetricStateSnapshot } from "./symmetric-state.ts";

export interface HandshakeOptions {
  readonly protocolName: string;
  /**
   * True for the party that sends the first handshake message. With a fallback pattern that
   * is Bob, the side that could not use Alice's first message: §10.1 makes him the initiator
   * of the new protocol, so Alice passes false (and her old ephemeral as `e`).
   */
  readonly initiator: boolean;
  readonly prologue?: Uint8Array;
  /** Local static key pair (s). */
  readonly s?: KeyPair;
  /** Local ephemeral key pair (e): given for pre-message ephemerals (fallback) or test vectors; generated otherwise. */
  readonly e?: KeyPair;
  /** Remote static public key (rs) known in advance. */
  readonly rs?: Uint8Array;
  /** Remote ephemeral public key (re) known in advance (fallback). */
  readonly re?: Uint8Array;
  /** Pre-shared keys, consumed in order by psk tokens. */
  readonly psks?: readonly Uint8Array[];
  readonly backend?: Backend;
}

/** What a finished handshake yields (spec §5.3 Split, with roles applied). */
export interface HandshakeResult {
  /** Null on the side that never sends in a one-way pattern. */
  readonly send: CipherState | null;
  readonly receive: CipherState | null;
  readonly handshakeHash: Uint8Array;
  readonly remoteStatic: Uint8Array | null;
}

/**
 * Serializable handshake progress, for a responder that hibernates between messages.
 * The local static private key is deliberately left out: the owner re-supplies it on restore.
 */
export interface HandshakeSnapshot {
  readonly protocolName: string;
  readonly initiator: boolean;
  readonly symmetric: SymmetricStateSnapshot;
  readonly messageIndex: number;
  readonly e: Uint8Array | null;
  /**
   * Public half of `e`, so restoring does not redo its scalar multiplication (a gateway
   * restores every XX handshake between messages 2 and 3). Absent in older snapshots.
   */
  readonly ePublic?: Uint8Array | null;
  readonly rs: Uint8Array | null;
  readonly re: Uint8Array | null;
  readonly psks: readonly Uint8Array[];
  readonly pskIndex: number;
}

/** Spec §5.3, for any pattern built by `handshakePattern`. */
export class HandshakeState {
  #messageIndex = 0;
  #pskIndex = 0;
  #result: HandshakeResult | null = null;

  private constructor(
    readonly protocol: ProtocolName,
    readonly suite: CipherSuite,
    readonly initiator: boolean,
    private readonly symmetric: SymmetricState,
    private s: KeyPair | null,
    private e: KeyPair | null,
    private rs: Uint8Array | null,
    private re: Uint8Array | null,
    private readonly psks: readonly Uint8Array[],
  ) {}

  static async initialize(options: HandshakeOptions): Promise<HandshakeState> {
    const protocol = parseProtocolName(options.protocolName);
    const suite = resolveSuite(protocol, options.backend);
    const symmetric = SymmetricState.initialize(suite, protocol.full);
    const hs = new HandshakeState(
      protocol,
      suite,
      options.initiator,
      symmetric,
      options.s ?? null,
      options.e ?? null,
      options.rs ?? null,
      options.re ?? null,
      options.psks ?? [],
    );
    symmetric.mixHash(options.prologue ?? new Uint8Array(0));
    const { preInitiator, preResponder } = protocol.pattern;
    await hs.#mixPreMessage(preInitiator, options.initiator);
    await hs.#mixPreMessage(preResponder, !options.initiator);
    return hs;
  }

  static async restore(snapshot: HandshakeSnapshot, s: KeyPair | null, backend?: Backend): Promise<HandshakeState> {
    const protocol = parseProtocolName(snapshot.protocolName);
    const suite = resolveSuite(protocol, backend);
    const symmetric = await SymmetricState.restore(suite, snapshot.symmetric);
    const e = snapshot.e ? await suite.dh.keyPairFromPrivate(snapshot.e, snapshot.ePublic ?? undefined) : null;
    const hs = new HandshakeState(protocol, suite, snapshot.initiator, symmetric, s, e, snapshot.rs, snapshot.re, snapshot.psks);
    hs.#messageIndex = snapshot.messageIndex;
    hs.#pskIndex = snapshot.pskIndex;
    return hs;
  }

  async snapshot(): Promise<HandshakeSnapshot> {
    if (this.#result) throw new NoiseError("handshake-complete", "nothing to snapshot after the handshake");
    const e = this.e ? await this.suite.dh.exportPrivateKey(this.e) : null;
    return {
      protocolName: this.protocol.full,
      initiator: this.initiator,
      symmetric: this.symmetric.snapshot(),
      messageIndex: this.#messageIndex,
      e,
      ePublic: this.e?.publicKey ?? null,
      rs: this.rs,
      re: this.re,
      psks: this.psks,
      pskIndex: this.#pskIndex,
    };
  }

  /** Pre-message keys (spec §7.1) hash in as if they had been sent; with PSKs an "e" also feeds MixKey (§9.2). */
  async #mixPreMessage(tokens: readonly Token[], local: boolean): Promise<void> {
    for (const token of tokens) {
      const key = token === "e" ? (local ? this.e?.publicKey : this.re) : local ? this.s?.publicKey : this.rs;
      if (!key) throw new NoiseError("missing-key", `pre-message ${token} key missing`);
      this.symmetric.mixHash(key);
      if (token === "e" && this.protocol.pattern.hasPsk) await this.symmetric.mixKey(key);
    }
  }

  get isComplete(): boolean {
    return this.#result !== null;
  }

  get handshakeHash(): Uint8Array {
    return this.symmetric.handshakeHash;
  }

  get remoteStatic(): Uint8Array | null {
    return this.rs;
  }

  get localEphemeral(): KeyPair | null {
    return this.e;
  }

  /** True when the next handshake message is ours to write. */
  get isMyTurn(): boolean {
    const next = this.protocol.pattern.messages[this.#messageIndex];
    return next !== undefined && (next.direction === "->") === this.initiator;
  }

  get result(): HandshakeResult {
    if (!this.#result) throw new NoiseError("handshake-incomplete", "handshake has not finished");
    return this.#result;
  }

  #nextPattern(writing: boolean): readonly Token[] {
    if (this.#result) throw new NoiseError("handshake-complete", "handshake already finished");
    const next = this.protocol.pattern.messages[this.#messageIndex]!;
    if (this.isMyTurn !== writing) throw new NoiseError("wrong-turn", writing ? "not our turn to write" : "not our turn to read");
    return next.tokens;
  }

  async #dh(token: "ee" | "es" | "se" | "ss"): Promise<void> {
    // Spec §5.3: the first letter names the initiator's key, the second the responder's.
    const [mine, theirs] = this.initiator
      ? ([token[0], token[1]] as const)
      : ([token[1], token[0]] as const);
    const local = mine === "e" ? this.e : this.s;
    const remote = theirs === "e" ? this.re : this.rs;
    if (!local || !remote) throw new NoiseError("missing-key", `keys for ${token} missing`);
    let shared: Uint8Array;
    try {
      shared = await this.suite.dh.dh(local, remote);
    } catch {
      // Low-order or malformed points make X25519 fail; treat like any other bad key, never a crash.
      throw new NoiseError("invalid-key", `${token} key agreement failed`);
    }
    await this.symmetric.mixKey(shared);
  }

  async #psk(): Promise<void> {
    const psk = this.psks[this.#pskIndex++];
    if (!psk || psk.length !== 32) throw new NoiseError("missing-key", "psk missing or not 32 bytes");
    await this.symmetric.mixKeyAndHash(psk);
  }

  async writeMessage(payload: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    const tokens = this.#nextPattern(true);
    const parts: Uint8Array[] = [];
    for (const token of tokens) {
      if (token === "e") {
        if (!this.e) this.e = await this.suite.dh.generateKeyPair();
        parts.push(this.e.publicKey);
        this.symmetric.mixHash(this.e.publicKey);
        if (this.protocol.pattern.hasPsk) await this.symmetric.mixKey(this.e.publicKey);
      } else if (token === "s") {
        if (!this.s) throw new NoiseError("missing-key", "local static key missing");
        parts.push(await this.symmetric.encryptAndHash(this.s.publicKey));
      } else if (token === "psk") {
        await this.#psk();
      } else {
        await this.#dh(token);
      }
    }
    parts.push(await this.symmetric.encryptAndHash(payload));
    const message = concatBytes(...parts);
    if (message.length > MAX_NOISE_MESSAGE) throw new NoiseError("too-large", "handshake message exceeds 65535 bytes");
    await this.#advance();
    return message;
  }

  async readMessage(message: Uint8Array): Promise<Uint8Array> {
    const tokens = this.#nextPattern(false);
    if (message.length > MAX_NOISE_MESSAGE) throw new NoiseError("too-large", "handshake message exceeds 65535 bytes");
    const dhLen = this.suite.dh.dhLen;
    let offset = 0;
    const take = (length: number): Uint8Array => {
      if (offset + length > message.length) throw new NoiseError("truncated", "handshake message truncated");
      const part = message.subarray(offset, offset + length);
      offset += length;
      return part;
    };
    for (const token of tokens) {
      if (token === "e") {
        this.re = take(dhLen).slice();
        this.symmetric.mixHash(this.re);
        if (this.protocol.pattern.hasPsk) await this.symmetric.mixKey(this.re);
      } else if (token === "s") {
        const length = this.symmetric.cipherState.hasKey() ? dhLen + 16 : dhLen;
        this.rs = await this.symmetric.decryptAndHash(take(length));
      } else if (token === "psk") {
        await this.#psk();
      } else {
        await this.#dh(token);
      }
    }
    const rest = message.subarray(offset);
    if (this.symmetric.cipherState.hasKey() && rest.length < 16) throw new NoiseError("truncated", "handshake payload truncated");
    const payload = await this.symmetric.decryptAndHash(rest);
    await this.#advance();
    return payload;
  }

  async #advance(): Promise<void> {
    this.#messageIndex++;
    if (this.#messageIndex < this.protocol.pattern.messages.length) return;
    const [c1, c2] = await this.symmetric.split();
    // One-way patterns (§7.4) only ever carry initiator-to-responder traffic, so c2 is discarded.
    const oneWay = this.protocol.pattern.messages.every((m) => m.direction === "->");
    const toResponder = c1;
    const toInitiator = oneWay ? null : c2;
    this.#result = {
      send: this.initiator ? toResponder : toInitiator,
      receive: this.initiator ? toInitiator : toResponder,
      handshakeHash: this.symmetric.handshakeHash,
      remoteStatic: this.rs,
    };
  }
}
