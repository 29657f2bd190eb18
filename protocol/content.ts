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
  | { readonly type: "delete"; readonly targetId: string };

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
}

const KINDS: readonly MediaKind[] = ["image", "video", "audio", "document"];

export function encodeContent(c: Content): Uint8Array {
  const b = c.body;
  const message: parley.content.IContent = { id: c.id, sentAtMs: c.sentAtMs, replyTo: c.replyTo, sentTo: c.sentTo };
  if (b.type === "text") message.text = { text: b.text };
  else if (b.type === "reaction") message.reaction = { targetId: b.targetId, targetSender: b.targetSender, emoji: b.emoji };
  else if (b.type === "edit") message.edit = { targetId: b.targetId, text: { text: b.text } };
  else if (b.type === "delete") message["delete"] = { targetId: b.targetId };
  else message.media = { ...b.media, kind: KINDS.indexOf(b.media.kind) + 1 };
  return pb.Content.encode(message).finish();
}

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
    if (m.media) {
      const kind = KINDS[(m.media.kind ?? 0) - 1];
      if (!kind) throw new MessageFormatError("media of unknown kind");
      return {
        type: "media",
        media: {
          kind,
          url: m.media.url ?? "",
          mediaKey: m.media.mediaKey ?? new Uint8Array(0),
          fileSha256: m.media.fileSha256 ?? new Uint8Array(0),
          encryptedSha256: m.media.encryptedSha256 ?? new Uint8Array(0),
          size: Number(m.media.size ?? 0),
          mimeType: m.media.mimeType ?? "",
          fileName: m.media.fileName || undefined,
          caption: m.media.caption || undefined,
          width: m.media.width || undefined,
          height: m.media.height || undefined,
          durationMs: m.media.durationMs || undefined,
          thumbnail: m.media.thumbnail?.length ? m.media.thumbnail : undefined,
        },
      };
    }
    throw new MessageFormatError("Content without a body");
  })();
  return { ...base, body, replyTo, ...(m.sentTo ? { sentTo: m.sentTo } : {}) };
}
