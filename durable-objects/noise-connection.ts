import { CloseCode } from "../protocol/close-codes.ts";
import { encodeControl, decodeControl, encodeServerHello, MessageFormatError, type Control } from "../protocol/messages.ts";
import { MAX_NOISE_MESSAGE, NoiseError } from "../protocol/noise/index.ts";
import { Channel, PipesError, PipesResponder, SecureChannel, type ChannelId } from "../protocol/pipes/index.ts";
import { bytesToBase64Url } from "../protocol/bytes.ts";
import { TokenError } from "../gateway/auth/provider-token.ts";
import type { Env } from "../gateway/env.ts";
import type { GatewayIdentity } from "../gateway/identity.ts";
import { authorizeClient, ForbiddenError } from "./client-authorization.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import { readAttachment, writeAttachment, type OpenAttachment, type SocketAttachment } from "./socket-attachment.ts";

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
}

// Decoded channels survive only while the object is in memory; after hibernation they are
// rebuilt from the attachment once, not on every frame.
const liveChannels = new WeakMap<WebSocket, SecureChannel>();

/**
 * Drives one WebSocket through the Noise Pipes handshake and then the encrypted transport.
 * Every state transition is written to the socket attachment before the next await, so an
 * eviction at any point resumes with the right handshake step and nonces.
 */
export async function handleFrame(ws: WebSocket, data: ArrayBuffer | string, deps: ConnectionDeps): Promise<void> {
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
  await openSession(ws, attachment, client.deviceId, channel!, deps);
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
  await openSession(ws, attachment, authorized.deviceId, channel, deps);
}

async function openSession(
  ws: WebSocket,
  attachment: SocketAttachment,
  deviceId: string,
  channel: SecureChannel,
  deps: ConnectionDeps,
): Promise<void> {
  const sessionId = bytesToBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const open: OpenAttachment = {
    phase: "open",
    networkId: attachment.networkId,
    openedAtMs: attachment.openedAtMs,
    deviceId,
    sessionId,
    channel: channel.snapshot(),
  };
  writeAttachment(ws, open);
  liveChannels.set(ws, channel);
  await sendControl(ws, open, channel, { kind: "ready", sessionId, serverTimeMs: deps.now() });
}

async function channelFor(ws: WebSocket, attachment: OpenAttachment): Promise<SecureChannel> {
  let channel = liveChannels.get(ws);
  if (!channel) {
    channel = await SecureChannel.restore(attachment.channel);
    liveChannels.set(ws, channel);
  }
  return channel;
}

async function onTransport(
  ws: WebSocket,
  attachment: OpenAttachment,
  frame: Uint8Array,
  _deps: ConnectionDeps,
): Promise<void> {
  const channel = await channelFor(ws, attachment);
  const opening = channel.open(frame);
  // The receive nonce was claimed synchronously by open(): persist it before awaiting.
  const current: OpenAttachment = { ...attachment, channel: channel.snapshot() };
  writeAttachment(ws, current);
  const { channel: kind, payload } = await opening;
  if (kind === Channel.CONTROL) {
    const control = decodeTransportControl(payload);
    if (control.kind === "ping") await sendControl(ws, current, channel, { kind: "pong", id: control.id });
    return;
  }
  // Stanza routing arrives with issue #4; until then the client is told, never ignored.
  await sendControl(ws, current, channel, {
    kind: "error",
    code: "stanzas-unavailable",
    message: "this gateway build does not route stanzas yet",
  });
}

function decodeTransportControl(payload: Uint8Array): Control {
  try {
    return decodeControl(payload);
  } catch (err) {
    throw new CloseError(CloseCode.MALFORMED_FRAME, (err as Error).message);
  }
}

async function sendControl(ws: WebSocket, attachment: OpenAttachment, channel: SecureChannel, control: Control): Promise<void> {
  await sendSealed(ws, attachment, channel, Channel.CONTROL, encodeControl(control));
}

async function sendSealed(
  ws: WebSocket,
  attachment: OpenAttachment,
  channel: SecureChannel,
  kind: ChannelId,
  payload: Uint8Array,
): Promise<void> {
  const sealing = channel.seal(kind, payload);
  // Same rule as receiving: the claimed send nonce is durable before the await.
  writeAttachment(ws, { ...attachment, channel: channel.snapshot() });
  ws.send(await sealing);
}

function closeFor(ws: WebSocket, err: unknown): void {
  const [code, reason] = classify(err);
  if (code === CloseCode.INTERNAL_ERROR) console.error("connection failed", err);
  try {
    ws.close(code, reason.slice(0, 120));
  } catch {
    // Already closed by the peer: nothing left to tell it.
  }
}

function classify(err: unknown): [number, string] {
  if (err instanceof CloseError) return [err.code, err.message];
  if (err instanceof ForbiddenError) return [CloseCode.FORBIDDEN, err.message];
  if (err instanceof TokenError) return [CloseCode.HANDSHAKE_FAILED, `token ${err.reason}: ${err.message}`];
  if (err instanceof MessageFormatError) return [CloseCode.HANDSHAKE_FAILED, err.message];
  if (err instanceof PipesError) {
    return [err.reason === "handshake-failed" ? CloseCode.HANDSHAKE_FAILED : CloseCode.MALFORMED_FRAME, err.message];
  }
  if (err instanceof NoiseError) {
    if (err.reason === "too-large") return [CloseCode.FRAME_TOO_LARGE, err.message];
    return [CloseCode.DECRYPT_FAILED, `${err.reason}: ${err.message}`];
  }
  return [CloseCode.INTERNAL_ERROR, "internal error"];
}
