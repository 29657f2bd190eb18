import { CloseCode } from "../protocol/close-codes.ts";
import { decodeControl, encodeServerHello, MessageFormatError, type Control } from "../protocol/messages.ts";
import { MAX_NOISE_MESSAGE, NoiseError } from "../protocol/noise/index.ts";
import { Channel, decodeBatch, PipesError, PipesResponder, type SecureChannel } from "../protocol/pipes/index.ts";
import { bytesToBase64Url } from "../protocol/bytes.ts";
import { TokenError } from "../gateway/auth/provider-token.ts";
import type { Env } from "../gateway/env.ts";
import type { GatewayIdentity } from "../gateway/identity.ts";
import { authorizeClient, ForbiddenError, type AuthorizedClient } from "./client-authorization.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import { channelFor, persistChannel, rememberChannel, sendControl, sendStanzas, stanzaBytes } from "./session-sender.ts";
import type { StanzaOutcome } from "./stanza-router.ts";
import { closeSocket, readAttachment, writeAttachment, type OpenAttachment, type SocketAttachment } from "./socket-attachment.ts";

/** A failure that ends the connection with a specific close code. */
class CloseError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectionDeps {
  readonly env: Env;
  readonly identity: GatewayIdentity;
  readonly devices: DeviceRegistry;
  readonly now: () => number;
  /** A session just opened (inside the socket's queue): send it its backlog. */
  readonly onOpen: (ws: WebSocket) => Promise<void>;
  /** Stanzas arrived on an open session (one, or a batch, in order): returns the answers to send back. */
  readonly onStanzas: (ws: WebSocket, attachment: OpenAttachment, payloads: readonly Uint8Array[]) => Promise<StanzaOutcome>;
}

/**
 * Drives one WebSocket through the Noise Pipes handshake and then the encrypted transport.
 * Every state transition reaches the socket attachment before the frame's handling ends (a
 * send nonce before its frame is sent), so an object evicted between events wakes with the
 * right handshake step and nonces.
 */
export async function handleFrame(ws: WebSocket, data: ArrayBuffer | string, deps: ConnectionDeps): Promise<void> {
  // A frame queued behind the one that ended this session (the gateway closed the socket, or
  // answered the peer's close) belongs to a session that is over: it must not be acted on.
  if (ws.readyState !== WebSocket.OPEN) return;
  try {
    if (typeof data === "string") throw new CloseError(CloseCode.MALFORMED_FRAME, "text frames are not part of the protocol");
    if (data.byteLength > MAX_NOISE_MESSAGE + 1) throw new CloseError(CloseCode.FRAME_TOO_LARGE, "frame exceeds one Noise message");
    const frame = new Uint8Array(data);
    const attachment = readAttachment(ws);
    if (!attachment) throw new CloseError(CloseCode.INTERNAL_ERROR, "connection state missing");
    switch (attachment.phase) {
      case "awaiting-hello":
        return await onFirstMessage(ws, attachment, frame, deps);
      case "handshaking":
        return await onFinishMessage(ws, attachment, frame, deps);
      case "open":
        return await onTransport(ws, attachment, frame, deps);
      case "closed":
        return;
    }
  } catch (err) {
    closeFor(ws, err);
  }
}

async function onFirstMessage(
  ws: WebSocket,
  attachment: Extract<SocketAttachment, { phase: "awaiting-hello" }>,
  frame: Uint8Array,
  deps: ConnectionDeps,
): Promise<void> {
  const responder = PipesResponder.create(deps.identity.staticKey);
  const first = await responder.readFirst(frame);
  const serverHello = encodeServerHello({ certificate: deps.identity.certificate, serverTimeMs: deps.now() });
  if (first.mode !== "IK") {
    const { frame: reply } = await responder.respond(serverHello);
    writeAttachment(ws, { ...attachment, phase: "handshaking", responder: await responder.snapshot() });
    ws.send(reply);
    return;
  }
  // A replayed IK message 1 (0-RTT data is replayable) carries an already used token: refused here.
  const client = await authorizeClient(deps.env, deps.devices, attachment.networkId, first.client.clientHello, first.client.clientStaticKey, deps.now());
  const { frame: reply, channel } = await responder.respond(serverHello);
  ws.send(reply);
  await openSession(ws, attachment, client, channel!, deps);
}

async function onFinishMessage(
  ws: WebSocket,
  attachment: Extract<SocketAttachment, { phase: "handshaking" }>,
  frame: Uint8Array,
  deps: ConnectionDeps,
): Promise<void> {
  const responder = await PipesResponder.restore(attachment.responder, deps.identity.staticKey);
  const { client, channel } = await responder.readFinish(frame);
  const authorized = await authorizeClient(deps.env, deps.devices, attachment.networkId, client.clientHello, client.clientStaticKey, deps.now());
  await openSession(ws, attachment, authorized, channel, deps);
}

async function openSession(
  ws: WebSocket,
  attachment: SocketAttachment,
  client: AuthorizedClient,
  channel: SecureChannel,
  deps: ConnectionDeps,
): Promise<void> {
  const sessionId = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  writeAttachment(ws, {
    phase: "open",
    networkId: attachment.networkId,
    openedAtMs: attachment.openedAtMs,
    deviceId: client.deviceId,
    sessionId,
    channel: channel.snapshot(),
    lastSentSeq: 0,
    backlogSent: false,
    batches: client.stanzaBatches,
  });
  rememberChannel(ws, channel);
  await sendControl(ws, { kind: "ready", sessionId, serverTimeMs: deps.now(), stanzaBatches: true });
  await deps.onOpen(ws);
}

async function onTransport(ws: WebSocket, attachment: OpenAttachment, frame: Uint8Array, deps: ConnectionDeps): Promise<void> {
  const channel = await channelFor(ws, attachment);
  // The receive nonce open() claims reaches the attachment with the first answer's send nonce,
  // or at the end of this frame if nothing is answered: the object hibernates only between
  // events, so the attachment it wakes with is always the one the last event left.
  const { channel: kind, payload } = await channel.open(frame);
  if (kind === Channel.CONTROL) {
    const control = decodeTransportControl(payload);
    if (control.kind === "ping") await sendControl(ws, { kind: "pong", id: control.id });
  } else {
    // A malformed batch is refused whole, before any of its stanzas is acted on.
    const payloads = kind === Channel.STANZAS ? decodeBatch(payload) : [payload];
    const outcome = await deps.onStanzas(ws, attachment, payloads);
    await sendStanzas(ws, outcome.replies, stanzaBytes);
    // After the answers, so the device learns why its session ends.
    if (outcome.close) ws.close(outcome.close.code, outcome.close.reason);
  }
  persistChannel(ws, channel);
}

function decodeTransportControl(payload: Uint8Array): Control {
  try {
    return decodeControl(payload);
  } catch (err) {
    throw new CloseError(CloseCode.MALFORMED_FRAME, (err as Error).message);
  }
}

function closeFor(ws: WebSocket, err: unknown): void {
  // The socket closed while this frame was handled (the peer left, or a newer session replaced
  // it), so a send failed: not a gateway failure, and nobody is left to tell.
  if (ws.readyState !== WebSocket.OPEN) return;
  const [code, reason] = classify(err);
  if (code === CloseCode.INTERNAL_ERROR) console.error("connection failed", err);
  closeSocket(ws, code, reason.slice(0, 120));
}

function classify(err: unknown): [number, string] {
  if (err instanceof CloseError) return [err.code, err.message];
  if (err instanceof ForbiddenError) return [err.code, err.message];
  if (err instanceof TokenError) return [CloseCode.HANDSHAKE_FAILED, `token ${err.reason}: ${err.message}`];
  if (err instanceof MessageFormatError) return [CloseCode.HANDSHAKE_FAILED, err.message];
  if (err instanceof PipesError) {
    return [err.reason === "handshake-failed" ? CloseCode.HANDSHAKE_FAILED : CloseCode.MALFORMED_FRAME, err.message];
  }
  if (err instanceof NoiseError) {
    if (err.reason === "too-large") return [CloseCode.FRAME_TOO_LARGE, err.message];
    // An authentic frame naming no known channel: the peer broke the protocol, the crypto held.
    if (err.reason === "invalid-state") return [CloseCode.MALFORMED_FRAME, err.message];
    return [CloseCode.DECRYPT_FAILED, `${err.reason}: ${err.message}`];
  }
  return [CloseCode.INTERNAL_ERROR, "internal error"];
}
