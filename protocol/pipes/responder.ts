import { concatBytes } from "../bytes.ts";
import { HandshakeState, NoiseError, type Backend, type HandshakeSnapshot, type KeyPair } from "../noise/index.ts";
import { FrameTag, PROLOGUE, PROTOCOL } from "./constants.ts";
import { PipesError } from "./errors.ts";
import { asHandshakeFailure, type PipesMode } from "./initiator.ts";
import { SecureChannel } from "./secure-channel.ts";
import { tagFrame, untagFrame } from "./tagged-frame.ts";

export interface ResponderSnapshot {
  readonly mode: PipesMode;
  readonly handshake: HandshakeSnapshot;
}

export interface ClientIdentity {
  /** The client's handshake payload (an encoded ClientHello), authenticated but not yet validated. */
  readonly clientHello: Uint8Array;
  readonly clientStaticKey: Uint8Array;
}

export type FirstMessage =
  | { readonly mode: "IK"; readonly client: ClientIdentity }
  | { readonly mode: "XX" | "XXfallback"; readonly client: null };

const DH_LEN = 32;

/**
 * Gateway side of Noise Pipes. Between messages it can be snapshotted into a hibernation
 * attachment and restored; the static key is never part of the snapshot.
 */
export class PipesResponder {
  private constructor(
    private readonly staticKey: KeyPair,
    private readonly backend: Backend,
    private hs: HandshakeState | null,
    private modeValue: PipesMode | null,
  ) {}

  static create(staticKey: KeyPair, backend: Backend = "webcrypto"): PipesResponder {
    return new PipesResponder(staticKey, backend, null, null);
  }

  static async restore(snapshot: ResponderSnapshot, staticKey: KeyPair, backend: Backend = "webcrypto"): Promise<PipesResponder> {
    const hs = await HandshakeState.restore(snapshot.handshake, staticKey, backend);
    return new PipesResponder(staticKey, backend, hs, snapshot.mode);
  }

  async snapshot(): Promise<ResponderSnapshot> {
    if (!this.hs || !this.modeValue) throw new PipesError("unexpected-frame", "handshake not started");
    return { mode: this.modeValue, handshake: await this.hs.snapshot() };
  }

  async readFirst(frame: Uint8Array): Promise<FirstMessage> {
    if (this.hs) throw new PipesError("unexpected-frame", "handshake already started");
    const { tag, message } = untagFrame(frame);
    const common = { initiator: false, prologue: PROLOGUE, s: this.staticKey, backend: this.backend } as const;
    if (tag === FrameTag.XX_1) {
      this.modeValue = "XX";
      this.hs = await HandshakeState.initialize({ protocolName: PROTOCOL.XX, ...common });
      const payload = await this.#read(message);
      if (payload.length !== 0) throw new PipesError("malformed", "XX message 1 must not carry a payload: it is not encrypted");
      return { mode: "XX", client: null };
    }
    if (tag !== FrameTag.IK_1) throw new PipesError("malformed", `unknown first handshake frame tag ${tag}`);
    if (message.length < DH_LEN) throw new PipesError("malformed", "IK message 1 truncated");
    const ik = await HandshakeState.initialize({ protocolName: PROTOCOL.IK, ...common });
    try {
      const clientHello = await ik.readMessage(message);
      this.hs = ik;
      this.modeValue = "IK";
      return { mode: "IK", client: { clientHello, clientStaticKey: ik.remoteStatic! } };
    } catch (err) {
      // Noise Pipes (spec §10.4): an IK message we cannot decrypt (the client pinned an old key)
      // is answered with XXfallback. Anything else about it is malformed input.
      if (!(err instanceof NoiseError && err.reason === "decrypt-failed")) throw asHandshakeFailure(err);
    }
    // Writing the first XXfallback message makes the gateway that handshake's initiator
    // (Noise rev 34 §10.1, §10.2): it sends with Split's first CipherState.
    this.modeValue = "XXfallback";
    this.hs = await HandshakeState.initialize({
      protocolName: PROTOCOL.FALLBACK,
      ...common,
      initiator: true,
      prologue: concatBytes(PROLOGUE, message),
      re: message.slice(0, DH_LEN),
    });
    return { mode: "XXfallback", client: null };
  }

  /** Writes the gateway's handshake message carrying `serverHello`; for IK this completes the handshake. */
  async respond(serverHello: Uint8Array): Promise<{ frame: Uint8Array; channel: SecureChannel | null }> {
    const hs = this.hs;
    if (!hs || !hs.isMyTurn) throw new PipesError("unexpected-frame", "not the gateway's turn");
    const tag = this.modeValue === "IK" ? FrameTag.IK_2 : this.modeValue === "XX" ? FrameTag.XX_2 : FrameTag.FALLBACK_2;
    const frame = tagFrame(tag, await hs.writeMessage(serverHello));
    return { frame, channel: hs.isComplete ? SecureChannel.fromHandshake(hs.result) : null };
  }

  /** Reads the client's last XX / XXfallback message. */
  async readFinish(frame: Uint8Array): Promise<{ client: ClientIdentity; channel: SecureChannel }> {
    const hs = this.hs;
    if (!hs || hs.isComplete || hs.isMyTurn) throw new PipesError("unexpected-frame", "no client handshake message expected");
    const { tag, message } = untagFrame(frame);
    if (tag !== FrameTag.CLIENT_FINISH) throw new PipesError("malformed", `unexpected handshake frame tag ${tag}`);
    const clientHello = await this.#read(message);
    return {
      client: { clientHello, clientStaticKey: hs.remoteStatic! },
      channel: SecureChannel.fromHandshake(hs.result),
    };
  }

  async #read(message: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.hs!.readMessage(message);
    } catch (err) {
      throw asHandshakeFailure(err);
    }
  }
}
