import type { Env } from "../../gateway/env.ts";
import { objectKey } from "../../gateway/media/content-address.ts";
import { bytesToHex } from "../../protocol/bytes.ts";

/** Bytes that are not what their name promised: the wrong hash or the wrong length. */
export class ContentMismatch extends Error {
  constructor(
    readonly reason: "hash" | "length",
    message: string,
  ) {
    super(message);
    this.name = "ContentMismatch";
  }
}

/**
 * Passes bytes through while hashing and counting them, and fails the stream at its end
 * (or as soon as it runs long) when they are not the promised content. Feeding R2 through
 * it means a mismatched object is never committed: R2 drops a put whose stream errors.
 */
function verifying(sha256Hex: string, length: number): TransformStream<Uint8Array, Uint8Array> {
  const digest = new crypto.DigestStream("SHA-256");
  const hasher = digest.getWriter();
  let seen = 0;
  return new TransformStream({
    async transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > length) throw new ContentMismatch("length", `more than the announced ${length} bytes`);
      await hasher.write(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      if (seen !== length) throw new ContentMismatch("length", `${seen} bytes instead of the announced ${length}`);
      await hasher.close();
      const actual = bytesToHex(new Uint8Array(await digest.digest));
      if (actual !== sha256Hex) throw new ContentMismatch("hash", `the bytes hash to ${actual}, not ${sha256Hex}`);
    },
  });
}

/**
 * Streams `body` (`length` bytes) into R2 under its content address, committing it only if
 * it hashes to `sha256Hex`. Memory stays at a few chunks whatever the file size.
 */
export async function storeVerified(env: Env, sha256Hex: string, body: ReadableStream<Uint8Array>, length: number, source: "upload" | "proxy"): Promise<R2Object> {
  // R2 needs a known-length stream; FixedLengthStream also refuses a body that runs short.
  const sized = new FixedLengthStream(length);
  const piped = body.pipeThrough(verifying(sha256Hex, length)).pipeTo(sized.writable);
  const put = env.MEDIA.put(objectKey(sha256Hex), sized.readable, {
    // R2 checks it again on its side and keeps it as the object's checksum.
    sha256: sha256Hex,
    httpMetadata: { contentType: "application/octet-stream" },
    customMetadata: { source },
  });
  const [pipe, stored] = await Promise.allSettled([piped, put]);
  // The verifier's error is the real cause; R2 only sees an aborted stream.
  if (pipe.status === "rejected") throw pipe.reason;
  if (stored.status === "rejected") throw stored.reason;
  return stored.value;
}
