import { describe, expect, it } from "vitest";
import { decryptChunks, decryptMedia, encryptedSize, encryptMedia, MEDIA_CHUNK_BYTES, MediaIntegrityError, sealedSpan } from "../../client/media/media-cipher.ts";

function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

describe("media cipher: chunked AES-256-GCM under a per-file key", () => {
  it.each([0, 1, MEDIA_CHUNK_BYTES - 1, MEDIA_CHUNK_BYTES, MEDIA_CHUNK_BYTES + 1, 3 * MEDIA_CHUNK_BYTES + 17])("round trips %i bytes", async (size) => {
    const file = pattern(size);
    const enc = await encryptMedia(file);
    expect(enc.ciphertext.length).toBe(encryptedSize(size));
    expect(enc.size).toBe(size);
    expect(await decryptMedia(enc.ciphertext, enc)).toEqual(file);
  });

  it("uses a fresh key per file, so equal files encrypt differently", async () => {
    const file = pattern(1000);
    const [a, b] = [await encryptMedia(file), await encryptMedia(file)];
    expect(a.mediaKey).not.toEqual(b.mediaKey);
    expect(a.encryptedSha256).not.toEqual(b.encryptedSha256);
    expect(a.fileSha256).toEqual(b.fileSha256);
  });

  it("refuses a flipped bit, even when the attacker also fixes the encrypted hash", async () => {
    const enc = await encryptMedia(pattern(2 * MEDIA_CHUNK_BYTES + 5));
    const tampered = enc.ciphertext.slice();
    tampered[MEDIA_CHUNK_BYTES + 100]! ^= 1;
    await expect(decryptMedia(tampered, enc)).rejects.toThrow(/does not match its hash/);
    const rehashed = new Uint8Array(await crypto.subtle.digest("SHA-256", tampered));
    await expect(decryptMedia(tampered, { ...enc, encryptedSha256: rehashed })).rejects.toThrow(/chunk 1 does not authenticate/);
  });

  it("refuses a file truncated at a chunk boundary and swapped chunks (index and last flag are in the nonce)", async () => {
    const enc = await encryptMedia(pattern(3 * MEDIA_CHUNK_BYTES));
    const sealed = MEDIA_CHUNK_BYTES + 16;
    // The first two chunks alone, presented as a whole 2-chunk file: chunk 1 was not sealed as last.
    await expect(decryptChunks(enc.ciphertext.subarray(0, 2 * sealed), enc.mediaKey, 0, 2 * MEDIA_CHUNK_BYTES)).rejects.toThrow(/chunk 1 does not authenticate/);
    const swapped = enc.ciphertext.slice();
    swapped.set(enc.ciphertext.subarray(0, sealed), sealed);
    swapped.set(enc.ciphertext.subarray(sealed, 2 * sealed), 0);
    await expect(decryptChunks(swapped, enc.mediaKey, 0, enc.size)).rejects.toBeInstanceOf(MediaIntegrityError);
  });

  it("refuses the wrong key and a wrong plaintext hash", async () => {
    const enc = await encryptMedia(pattern(500));
    await expect(decryptMedia(enc.ciphertext, { ...enc, mediaKey: new Uint8Array(32) })).rejects.toThrow(/does not authenticate/);
    await expect(decryptMedia(enc.ciphertext, { ...enc, fileSha256: new Uint8Array(32) })).rejects.toThrow(/decrypted file does not match/);
  });

  it("decrypts any span from just the chunks that hold it", async () => {
    const size = 5 * MEDIA_CHUNK_BYTES + 1234;
    const file = pattern(size, 7);
    const enc = await encryptMedia(file);
    for (const [offset, length] of [
      [0, 1],
      [MEDIA_CHUNK_BYTES - 3, 10],
      [2 * MEDIA_CHUNK_BYTES, MEDIA_CHUNK_BYTES],
      [size - 1234, 1234],
      [12345, 3 * MEDIA_CHUNK_BYTES],
    ] as const) {
      const span = sealedSpan(offset, length, size);
      const plain = await decryptChunks(enc.ciphertext.subarray(span.start, span.end), enc.mediaKey, span.firstChunk, size);
      expect(plain.subarray(span.skip, span.skip + length)).toEqual(file.subarray(offset, offset + length));
    }
    expect(() => sealedSpan(size - 1, 2, size)).toThrow(RangeError);
  });
});
