import { CipherState, MAX_NOISE_MESSAGE, NoiseError, type CipherStateSnapshot } from "../noise/index.ts";
import { nobleAesGcm, webcryptoAesGcm } from "../noise/ciphers.ts";
import type { Backend, HandshakeResult } from "../noise/index.ts";
import { Channel, MAX_TRANSPORT_PAYLOAD, type ChannelId } from "./constants.ts";

const EMPTY = new Uint8Array(0);

export interface SecureChannelSnapshot {
  readonly send: CipherStateSnapshot;
  readonly receive: CipherStateSnapshot;
  readonly handshakeHash: Uint8Array;
  readonly remoteStatic: Uint8Array;
}

export interface OpenedFrame {
  readonly channel: ChannelId;
  readonly payload: Uint8Array;
}

/**
 * The post-handshake transport: one Noise transport message per WebSocket message,
 * plaintext = channel byte || payload. Nonces are claimed synchronously when seal/open
 * is called, so callers may persist `snapshot()` before awaiting the crypto.
 */
export class SecureChannel {
  private constructor(
    private readonly send: CipherState,
    private readonly receive: CipherState,
    readonly handshakeHash: Uint8Array,
    readonly remoteStatic: Uint8Array,
  ) {}

  static fromHandshake(result: HandshakeResult): SecureChannel {
    if (!result.send || !result.receive || !result.remoteStatic) {
      throw new NoiseError("invalid-state", "Noise Pipes needs an interactive handshake with a remote static key");
    }
    return new SecureChannel(result.send, result.receive, result.handshakeHash, result.remoteStatic);
  }

  /** Parley's Pipes suites all use AESGCM, so the snapshot need not name the cipher. */
  static async restore(snapshot: SecureChannelSnapshot, backend: Backend = "webcrypto"): Promise<SecureChannel> {
    const cipher = backend === "webcrypto" ? webcryptoAesGcm : nobleAesGcm;
    const [send, receive] = await Promise.all([
      CipherState.restore(cipher, snapshot.send),
      CipherState.restore(cipher, snapshot.receive),
    ]);
    return new SecureChannel(send, receive, snapshot.handshakeHash, snapshot.remoteStatic);
  }

  /** The next nonce a received transport message must carry. */
  get receiveNonce(): number {
    return this.receive.nonce;
  }

  snapshot(): SecureChannelSnapshot {
    return {
      send: this.send.snapshot(),
      receive: this.receive.snapshot(),
      handshakeHash: this.handshakeHash,
      remoteStatic: this.remoteStatic,
    };
  }

  seal(channel: ChannelId, payload: Uint8Array): Promise<Uint8Array> {
    if (payload.length > MAX_TRANSPORT_PAYLOAD) {
      return Promise.reject(new NoiseError("too-large", `payload exceeds ${MAX_TRANSPORT_PAYLOAD} bytes`));
    }
    const plaintext = new Uint8Array(payload.length + 1);
    plaintext[0] = channel;
    plaintext.set(payload, 1);
    return this.send.encryptWithAd(EMPTY, plaintext);
  }

  async open(frame: Uint8Array): Promise<OpenedFrame> {
    if (frame.length > MAX_NOISE_MESSAGE) throw new NoiseError("too-large", "transport message exceeds 65535 bytes");
    if (frame.length < 17) throw new NoiseError("truncated", "transport message shorter than its tag");
    const plaintext = await this.receive.decryptWithAd(EMPTY, frame);
    const channel = plaintext[0];
    if (channel !== Channel.STANZA && channel !== Channel.CONTROL && channel !== Channel.STANZAS) {
      throw new NoiseError("invalid-state", `unknown transport channel ${channel}`);
    }
    return { channel, payload: plaintext.subarray(1) };
  }
}
