import { utf8 } from "../protocol/bytes.ts";
import { encodeControl, type Control } from "../protocol/messages.ts";
import { Channel, SecureChannel, type ChannelId } from "../protocol/pipes/index.ts";
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

export function sendStanza(ws: WebSocket, stanza: XmlElement | string, update?: (a: OpenAttachment) => OpenAttachment): Promise<void> {
  return sendOnSession(ws, Channel.STANZA, utf8.encode(typeof stanza === "string" ? stanza : serializeXml(stanza)), update);
}

export function sendControl(ws: WebSocket, control: Control): Promise<void> {
  return sendOnSession(ws, Channel.CONTROL, encodeControl(control));
}
