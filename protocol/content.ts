// Typed access to the end-to-end message content (proto/content.proto). Only clients ever
// see it: the gateway routes ciphertext.
import "../proto/runtime.ts";
import { parley } from "../proto/generated/parley.js";
import { MessageFormatError } from "./messages.ts";

const pb = parley.content;

export type MediaKind = "image" | "video" | "audio" | "document";

export interface MediaContent {
  readonly kind: MediaKind;
  readonly url: string;
  readonly mediaKey: Uint8Array;
  readonly fileSha256: Uint8Array;
  readonly encryptedSha256: Uint8Array;
  readonly size: number;
  readonly mimeType: string;
  readonly fileName?: string;
  readonly caption?: string;
  readonly width?: number;
  readonly height?: number;
  readonly durationMs?: number;
  readonly thumbnail?: Uint8Array;
}

export type ContentBody =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "media"; readonly media: MediaContent }
  | { readonly type: "reaction"; readonly targetId: string; readonly targetSender: string; readonly emoji: string }
  | { readonly type: "edit"; readonly targetId: string; readonly text: string }
  | { readonly type: "delete"; readonly targetId: string }
  | ({ readonly type: "group-info" } & GroupInfo)
  | { readonly type: "group-key"; readonly distribution: Uint8Array; readonly info?: GroupInfo };

/** A group's name and picture: end-to-end encrypted content, never seen by the gateway. */
export interface GroupInfo {
  readonly name: string;
  readonly picture?: MediaContent;
  /** The setter's clock; the newest wins. */
  readonly updatedAtMs: number;
}

export interface Content {
  readonly id: string;
  readonly sentAtMs: number;
  readonly body: ContentBody;
  readonly replyTo?: { readonly targetId: string; readonly targetSender: string; readonly quotedText: string };
  /**
   * Set only on the copy a sender's own other devices receive (Signal's "sent transcript"):
   * the network ID the original went to, so those devices show the conversation whole.
   */
  readonly sentTo?: string;
  /** Set on pairwise content that belongs to a group: a sender key, or a group message resent 1:1. */
  readonly group?: string;
}

const KINDS: readonly MediaKind[] = ["image", "video", "audio", "document"];

export function encodeContent(c: Content): Uint8Array {
  const b = c.body;
  const message: parley.content.IContent = { id: c.id, sentAtMs: c.sentAtMs, replyTo: c.replyTo, sentTo: c.sentTo, group: c.group };
  if (b.type === "text") message.text = { text: b.text };
  else if (b.type === "reaction") message.reaction = { targetId: b.targetId, targetSender: b.targetSender, emoji: b.emoji };
  else if (b.type === "edit") message.edit = { targetId: b.targetId, text: { text: b.text } };
  else if (b.type === "delete") message["delete"] = { targetId: b.targetId };
  else if (b.type === "group-info") message.groupInfo = encodeGroupInfo(b);
  else if (b.type === "group-key") message.groupKey = { distribution: b.distribution, info: b.info && encodeGroupInfo(b.info) };
  else message.media = encodeMedia(b.media);
  return pb.Content.encode(message).finish();
}

const encodeMedia = (m: MediaContent): parley.content.IMedia => ({ ...m, kind: KINDS.indexOf(m.kind) + 1 });
const encodeGroupInfo = (i: GroupInfo): parley.content.IGroupInfo => ({
  name: i.name,
  picture: i.picture && encodeMedia(i.picture),
  updatedAtMs: i.updatedAtMs,
});

export function decodeContent(bytes: Uint8Array): Content {
  let m: parley.content.Content;
  try {
    m = pb.Content.decode(bytes);
  } catch (err) {
    throw new MessageFormatError(`malformed Content: ${(err as Error).message}`);
  }
  const base = { id: m.id, sentAtMs: Number(m.sentAtMs) };
  const replyTo = m.replyTo ? { targetId: m.replyTo.targetId ?? "", targetSender: m.replyTo.targetSender ?? "", quotedText: m.replyTo.quotedText ?? "" } : undefined;
  const body = ((): ContentBody => {
    if (m.text) return { type: "text", text: m.text.text ?? "" };
    if (m.reaction) return { type: "reaction", targetId: m.reaction.targetId ?? "", targetSender: m.reaction.targetSender ?? "", emoji: m.reaction.emoji ?? "" };
    if (m.edit) return { type: "edit", targetId: m.edit.targetId ?? "", text: m.edit.text?.text ?? "" };
    if (m["delete"]) return { type: "delete", targetId: m["delete"].targetId ?? "" };
    if (m.media) return { type: "media", media: decodeMedia(m.media) };
    if (m.groupInfo) return { type: "group-info", ...decodeGroupInfo(m.groupInfo) };
    if (m.groupKey) {
      if (!m.groupKey.distribution?.length) throw new MessageFormatError("a GroupKey without its distribution message");
      return { type: "group-key", distribution: m.groupKey.distribution, ...(m.groupKey.info ? { info: decodeGroupInfo(m.groupKey.info) } : {}) };
    }
    throw new MessageFormatError("Content without a body");
  })();
  return { ...base, body, replyTo, ...(m.sentTo ? { sentTo: m.sentTo } : {}), ...(m.group ? { group: m.group } : {}) };
}

function decodeMedia(m: parley.content.IMedia): MediaContent {
  const kind = KINDS[(m.kind ?? 0) - 1];
  if (!kind) throw new MessageFormatError("media of unknown kind");
  return {
    kind,
    url: m.url ?? "",
    mediaKey: m.mediaKey ?? new Uint8Array(0),
    fileSha256: m.fileSha256 ?? new Uint8Array(0),
    encryptedSha256: m.encryptedSha256 ?? new Uint8Array(0),
    size: Number(m.size ?? 0),
    mimeType: m.mimeType ?? "",
    fileName: m.fileName || undefined,
    caption: m.caption || undefined,
    width: m.width || undefined,
    height: m.height || undefined,
    durationMs: m.durationMs || undefined,
    thumbnail: m.thumbnail?.length ? m.thumbnail : undefined,
  };
}

function decodeGroupInfo(i: parley.content.IGroupInfo): GroupInfo {
  return { name: i.name ?? "", ...(i.picture ? { picture: decodeMedia(i.picture) } : {}), updatedAtMs: Number(i.updatedAtMs ?? 0) };
}
