import { timingSafeEqual, utf8 } from "../../protocol/bytes.ts";

/**
 * Encryption of media files: a random 32-byte media key per file, expanded with HKDF-SHA256
 * into an AES-256-GCM key and a nonce prefix, and the file sealed in 64 KiB chunks with the
 * nonce layout of Tink's streaming AEAD (prefix ‖ chunk index ‖ last-chunk flag). Chunks
 * make ranges useful: a client can fetch and authenticate any span of a large file (seek in
 * a video) without the rest, and the index and flag in each nonce stop chunks from being
 * reordered, dropped or the file truncated. docs/media.md has the byte layout.
 */
export const MEDIA_CHUNK_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const SEALED_CHUNK_BYTES = MEDIA_CHUNK_BYTES + TAG_BYTES;
const NONCE_PREFIX_BYTES = 7;
const INFO = utf8.encode("Parley media v1");

/** What a media message carries about the file (proto/content.proto `Media`). */
export interface MediaSecrets {
  readonly mediaKey: Uint8Array;
  /** SHA-256 of the plaintext, checked after decryption. */
  readonly fileSha256: Uint8Array;
  /** SHA-256 of the encrypted file: its name at the gateway, checked before decryption. */
  readonly encryptedSha256: Uint8Array;
  /** Plaintext bytes. */
  readonly size: number;
}

export interface EncryptedMedia extends MediaSecrets {
  readonly ciphertext: Uint8Array;
}

/** The file is not the one the message describes: tampered, truncated or the wrong key. */
export class MediaIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MediaIntegrityError";
  }
}

export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / MEDIA_CHUNK_BYTES));
}

export function encryptedSize(size: number): number {
  return size + chunkCount(size) * TAG_BYTES;
}

interface FileKey {
  readonly key: CryptoKey;
  readonly noncePrefix: Uint8Array;
}

async function fileKey(mediaKey: Uint8Array): Promise<FileKey> {
  if (mediaKey.length !== 32) throw new MediaIntegrityError("a media key is 32 bytes");
  const ikm = await crypto.subtle.importKey("raw", mediaKey, "HKDF", false, ["deriveBits"]);
  const okm = new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: INFO }, ikm, (32 + NONCE_PREFIX_BYTES) * 8));
  const key = await crypto.subtle.importKey("raw", okm.subarray(0, 32), "AES-GCM", false, ["encrypt", "decrypt"]);
  return { key, noncePrefix: okm.slice(32) };
}

function nonce(k: FileKey, index: number, last: boolean): Uint8Array {
  const n = new Uint8Array(12);
  n.set(k.noncePrefix, 0);
  new DataView(n.buffer).setUint32(NONCE_PREFIX_BYTES, index, false);
  n[11] = last ? 1 : 0;
  return n;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export async function encryptMedia(plaintext: Uint8Array, mediaKey: Uint8Array = crypto.getRandomValues(new Uint8Array(32))): Promise<EncryptedMedia> {
  const k = await fileKey(mediaKey);
  const n = chunkCount(plaintext.length);
  const ciphertext = new Uint8Array(encryptedSize(plaintext.length));
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const chunk = plaintext.subarray(i * MEDIA_CHUNK_BYTES, (i + 1) * MEDIA_CHUNK_BYTES);
      const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce(k, i, i === n - 1) }, k.key, chunk);
      ciphertext.set(new Uint8Array(sealed), i * SEALED_CHUNK_BYTES);
    }),
  );
  return { ciphertext, mediaKey, fileSha256: await sha256(plaintext), encryptedSha256: await sha256(ciphertext), size: plaintext.length };
}

/** Decrypts sealed chunks `first`, `first + 1`, … of a file of `size` plaintext bytes. */
export async function decryptChunks(sealed: Uint8Array, mediaKey: Uint8Array, first: number, size: number): Promise<Uint8Array> {
  const n = chunkCount(size);
  const count = Math.ceil(sealed.length / SEALED_CHUNK_BYTES);
  const k = await fileKey(mediaKey);
  const parts = await Promise.all(
    Array.from({ length: count }, async (_, j) => {
      const i = first + j;
      const chunk = sealed.subarray(j * SEALED_CHUNK_BYTES, (j + 1) * SEALED_CHUNK_BYTES);
      // A span that is not whole chunks, or runs past the end, cannot be this file's.
      if (i >= n || chunk.length !== (i === n - 1 ? size - i * MEDIA_CHUNK_BYTES : MEDIA_CHUNK_BYTES) + TAG_BYTES) {
        throw new MediaIntegrityError(`chunk ${i} has the wrong length`);
      }
      try {
        return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce(k, i, i === n - 1) }, k.key, chunk));
      } catch {
        throw new MediaIntegrityError(`chunk ${i} does not authenticate`);
      }
    }),
  );
  const out = new Uint8Array(parts.reduce((t, p) => t + p.length, 0));
  parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0);
  return out;
}

/** Verifies the encrypted hash, decrypts, then verifies the plaintext hash and length. */
export async function decryptMedia(ciphertext: Uint8Array, secrets: MediaSecrets): Promise<Uint8Array> {
  if (!timingSafeEqual(await sha256(ciphertext), secrets.encryptedSha256)) throw new MediaIntegrityError("the encrypted file does not match its hash");
  if (ciphertext.length !== encryptedSize(secrets.size)) throw new MediaIntegrityError("the encrypted file has the wrong length");
  const plaintext = await decryptChunks(ciphertext, secrets.mediaKey, 0, secrets.size);
  if (!timingSafeEqual(await sha256(plaintext), secrets.fileSha256)) throw new MediaIntegrityError("the decrypted file does not match its hash");
  return plaintext;
}

/** The sealed bytes that hold plaintext [offset, offset + length) of a `size`-byte file. */
export function sealedSpan(offset: number, length: number, size: number): { readonly firstChunk: number; readonly start: number; readonly end: number; readonly skip: number } {
  if (offset < 0 || length <= 0 || offset + length > size) throw new RangeError(`span ${offset}+${length} is outside a ${size}-byte file`);
  const firstChunk = Math.floor(offset / MEDIA_CHUNK_BYTES);
  const lastChunk = Math.floor((offset + length - 1) / MEDIA_CHUNK_BYTES);
  const start = firstChunk * SEALED_CHUNK_BYTES;
  const end = Math.min((lastChunk + 1) * SEALED_CHUNK_BYTES, encryptedSize(size)); // exclusive
  return { firstChunk, start, end, skip: offset - firstChunk * MEDIA_CHUNK_BYTES };
}
