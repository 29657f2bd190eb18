import { describe, expect, it } from "vitest";
import { decodeContent, encodeContent, type Content } from "../../protocol/content.ts";
import { MessageFormatError } from "../../protocol/messages.ts";

const base = { id: "m1", sentAtMs: 1795440000123 };

describe("end-to-end content schema", () => {
  it("round-trips every body type", () => {
    const cases: Content[] = [
      { ...base, body: { type: "text", text: "héllo 👋" }, replyTo: { targetId: "m0", targetSender: "a".repeat(26), quotedText: "earlier" } },
      {
        ...base,
        body: {
          type: "media",
          media: {
            kind: "image",
            url: "https://media.example/abc",
            mediaKey: crypto.getRandomValues(new Uint8Array(32)),
            fileSha256: crypto.getRandomValues(new Uint8Array(32)),
            encryptedSha256: crypto.getRandomValues(new Uint8Array(32)),
            size: 5_242_880,
            mimeType: "image/jpeg",
            caption: "a view",
            width: 4032,
            height: 3024,
            thumbnail: new Uint8Array([0xff, 0xd8, 0xff]),
          },
        },
      },
      { ...base, body: { type: "media", media: { kind: "document", url: "u", mediaKey: new Uint8Array(32), fileSha256: new Uint8Array(32), encryptedSha256: new Uint8Array(32), size: 10, mimeType: "application/pdf", fileName: "report.pdf" } } },
      { ...base, body: { type: "media", media: { kind: "audio", url: "u", mediaKey: new Uint8Array(32), fileSha256: new Uint8Array(32), encryptedSha256: new Uint8Array(32), size: 10, mimeType: "audio/ogg", durationMs: 4200 } } },
      { ...base, body: { type: "reaction", targetId: "m0", targetSender: "b".repeat(26), emoji: "❤️" } },
      { ...base, body: { type: "edit", targetId: "m0", text: "fixed typo" } },
      { ...base, body: { type: "delete", targetId: "m0" } },
    ];
    for (const c of cases) expect(decodeContent(encodeContent(c))).toEqual(c);
  });

  it("refuses garbage and content without a body", () => {
    expect(() => decodeContent(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(MessageFormatError);
    expect(() => decodeContent(encodeContent({ ...base, body: { type: "text", text: "x" } }).subarray(0, 5))).toThrow(MessageFormatError);
  });
});
