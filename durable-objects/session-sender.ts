import { utf8 } from "../protocol/bytes.ts";
import { encodeControl, type Control } from "../protocol/messages.ts";
import { Channel, framePayload, frameRuns, SecureChannel, type ChannelId } from "../protocol/pipes/index.ts";
import { serializeXml, type XmlElement } from "../protocol/xml/index.ts";
import { readAttachment, writeAttachment, type OpenAttachment } from "./socket-attachment.ts";

// Decoded channels survive only while the object is in memory; after hibernation they are
// rebuilt from the attachment once, not on every frame.
const liveChannels = new WeakMap<WebSocket, SecureChannel>();

export function rememberChannel(ws: WebSocket, channel: SecureChannel): void {
  liveChannels.set(ws, channel);
}

export async function channelFor(ws: WebSocket, attachment: OpenAttachment): Promise<SecureChannel> {
  let channel = liveChannels.get(ws);
  if (!channel) {
    channel = await SecureChannel.restore(attachment.channel);
    liveChannels.set(ws, channel);
  }
  return channel;
}

/** Records the channel's nonces in the attachment if a frame received since the last send moved them. */
export function persistChannel(ws: WebSocket, channel: SecureChannel): void {
  const attachment = readAttachment(ws);
  if (attachment?.phase !== "open" || attachment.channel.receive.n === channel.receiveNonce) return;
  writeAttachment(ws, { ...attachment, channel: channel.snapshot() });
}

/**
 * Seals and sends one payload on an open session. The claimed send nonce, and whatever
 * `update` records (e.g. the delivery cursor), reach the attachment before the await, so
 * an eviction can never replay a nonce or lose track of what was sent. Callers run inside
 * the socket's serial queue, which keeps nonce order equal to send order.
 */
export async function sendOnSession(
  ws: WebSocket,
  channelId: ChannelId,
  payload: Uint8Array,
  update: (a: OpenAttachment) => OpenAttachment = (a) => a,
): Promise<void> {
  const attachment = readAttachment(ws);
  if (attachment?.phase !== "open") throw new Error("session is not open");
  const channel = await channelFor(ws, attachment);
  const sealing = channel.seal(channelId, payload);
  writeAttachment(ws, { ...update(attachment), channel: channel.snapshot() });
  ws.send(await sealing);
}

export function stanzaBytes(stanza: XmlElement | string): Uint8Array {
  return utf8.encode(typeof stanza === "string" ? stanza : serializeXml(stanza));
}

export function sendStanza(ws: WebSocket, stanza: XmlElement | string, update?: (a: OpenAttachment) => OpenAttachment): Promise<void> {
  return sendOnSession(ws, Channel.STANZA, stanzaBytes(stanza), update);
}

/** Whether this session's device reads several stanzas per transport message. */
function readsBatches(ws: WebSocket): boolean {
  const attachment = readAttachment(ws);
  return attachment?.phase === "open" && attachment.batches === true;
}

/**
 * Sends stanzas in order, in as few transport messages as the session allows: one per
 * stanza for a device that did not ask for batches. `update` runs with each message's last
 * item, so what it records (the delivery cursor) is true of what has gone out.
 */
export async function sendStanzas<T>(
  ws: WebSocket,
  items: readonly T[],
  bytesOf: (item: T) => Uint8Array,
  update?: (a: OpenAttachment, last: T) => OpenAttachment,
): Promise<void> {
  const encoded = items.map((item) => ({ item, bytes: bytesOf(item) }));
  const runs = readsBatches(ws) ? frameRuns(encoded, (e) => e.bytes.length) : encoded.map((e) => [e]);
  for (const run of runs) {
    const last = run[run.length - 1]!.item;
    const record = update ? (a: OpenAttachment) => update(a, last) : undefined;
    const { channel, payload } = framePayload(run.map((e) => e.bytes));
    await sendOnSession(ws, channel, payload, record);
  }
}

export function sendControl(ws: WebSocket, control: Control): Promise<void> {
  return sendOnSession(ws, Channel.CONTROL, encodeControl(control));
}
