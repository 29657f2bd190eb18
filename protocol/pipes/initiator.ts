import { concatBytes } from "../bytes.ts";
import { HandshakeState, NoiseError, type Backend, type KeyPair } from "../noise/index.ts";
import { FrameTag, PROLOGUE, PROTOCOL } from "./constants.ts";
import { PipesError } from "./errors.ts";
import { SecureChannel } from "./secure-channel.ts";
import { tagFrame, untagFrame } from "./tagged-frame.ts";

export type PipesMode = "XX" | "IK" | "XXfallback";

export interface InitiatorOptions {
  readonly staticKey: KeyPair;
  /** The gateway's static key from an earlier session: tries IK (0-RTT payload) instead of XX. */
  readonly serverStaticKey?: Uint8Array | null;
  readonly backend?: Backend;
}

export interface ServerResponse {
  readonly mode: PipesMode;
  /** The gateway's handshake payload (an encoded ServerHello), not yet verified. */
  readonly serverHello: Uint8Array;
  readonly serverStaticKey: Uint8Array;
}

export interface InitiatorResult {
  /** Final handshake frame to send (XX / XXfallback), or null when IK already finished. */
  readonly frame: Uint8Array | null;
  readonly channel: SecureChannel;
}

/**
 * Client side of Noise Pipes: XX when the gateway key is unknown, IK when it is known,
 * XXfallback when the gateway could not decrypt the IK attempt (e.g. it rotated its key).
 * The client's hello (with its provider token) only ever travels encrypted to a key the
 * caller has verified: IK to the pinned key, XX / XXfallback after `receive` returned the
 * server's certificate for checking.
 */
export class PipesInitiator {
  #hs: HandshakeState | null = null;
  #ikMessage: Uint8Array | null = null;
  #clientHello: Uint8Array = new Uint8Array(0);
  #mode: PipesMode = "XX";

  constructor(private readonly options: InitiatorOptions) {}

  get mode(): PipesMode {
    return this.#mode;
  }

  async begin(clientHello: Uint8Array): Promise<Uint8Array> {
    if (this.#hs) throw new PipesError("unexpected-frame", "handshake already started");
    this.#clientHello = clientHello;
    const { staticKey: s, serverStaticKey: rs, backend } = this.options;
    if (rs) {
      this.#mode = "IK";
      this.#hs = await HandshakeState.initialize({ protocolName: PROTOCOL.IK, initiator: true, prologue: PROLOGUE, s, rs, backend });
      this.#ikMessage = await this.#hs.writeMessage(clientHello);
      return tagFrame(FrameTag.IK_1, this.#ikMessage);
    }
    this.#mode = "XX";
    this.#hs = await HandshakeState.initialize({ protocolName: PROTOCOL.XX, initiator: true, prologue: PROLOGUE, s, backend });
    // XX message 1 is cleartext: it carries no payload, the hello waits for message 3.
    return tagFrame(FrameTag.XX_1, await this.#hs.writeMessage());
  }

  async receive(frame: Uint8Array): Promise<ServerResponse> {
    const hs = this.#hs;
    if (!hs || hs.isComplete || hs.isMyTurn) throw new PipesError("unexpected-frame", "no server handshake message expected");
    const { tag, message } = untagFrame(frame);
    if (tag === FrameTag.FALLBACK_2 && this.#mode === "IK") {
      // The gateway could not use our IK message; rerun as XXfallback with our IK ephemeral as
      // pre-message and the abandoned IK message bound into the prologue (what we sent must
      // be what the gateway received, or this handshake fails too). The gateway sends first,
      // so it is the XXfallback initiator and we are its responder (Noise rev 34 §10.1,
      // §10.2): we send with Split's second CipherState and receive with the first.
      this.#mode = "XXfallback";
      this.#hs = await HandshakeState.initialize({
        protocolName: PROTOCOL.FALLBACK,
        initiator: false,
        prologue: concatBytes(PROLOGUE, this.#ikMessage!),
        s: this.options.staticKey,
        e: hs.localEphemeral!,
        backend: this.options.backend,
      });
    } else if (!((tag === FrameTag.XX_2 && this.#mode === "XX") || (tag === FrameTag.IK_2 && this.#mode === "IK"))) {
      throw new PipesError("unexpected-frame", `handshake frame tag ${tag} not valid in ${this.#mode}`);
    }
    const current = this.#hs!;
    try {
      const serverHello = await current.readMessage(message);
      return { mode: this.#mode, serverHello, serverStaticKey: current.remoteStatic! };
    } catch (err) {
      throw asHandshakeFailure(err);
    }
  }

  /** Call only after verifying the ServerResponse: XX / XXfallback then send the client hello. */
  async finish(): Promise<InitiatorResult> {
    const hs = this.#hs;
    if (!hs) throw new PipesError("unexpected-frame", "handshake not started");
    let frame: Uint8Array | null = null;
    if (!hs.isComplete) {
      if (!hs.isMyTurn) throw new PipesError("unexpected-frame", "server message still pending");
      frame = tagFrame(FrameTag.CLIENT_FINISH, await hs.writeMessage(this.#clientHello));
    }
    return { frame, channel: SecureChannel.fromHandshake(hs.result) };
  }
}

export function asHandshakeFailure(err: unknown): Error {
  if (err instanceof NoiseError) return new PipesError("handshake-failed", `${err.reason}: ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}
