import type { Env } from "../../gateway/env.ts";
import { objectKey } from "../../gateway/media/content-address.ts";
import { fail } from "../http.ts";
import { parseRange } from "./range.ts";

/**
 * Answers GET or HEAD for a stored object, honouring a single byte range. The bytes are
 * ciphertext, so nothing here lets a browser interpret them.
 */
export async function serveObject(env: Env, request: Request, sha256Hex: string, stored: R2Object, cache: "hit" | "miss"): Promise<Response> {
  const headers = new Headers({
    "Content-Type": "application/octet-stream",
    "Content-Disposition": "attachment",
    "X-Content-Type-Options": "nosniff",
    "Accept-Ranges": "bytes",
    ETag: `"${sha256Hex}"`,
    // Content-addressed, so it never changes; `private` because every request is authorized.
    "Cache-Control": "private, max-age=31536000, immutable",
    "X-Parley-Cache": cache,
  });
  const range = parseRange(request.headers.get("Range"), stored.size);
  if (range === "unsatisfiable") {
    return fail(416, "range-not-satisfiable", `the object has ${stored.size} bytes`, {}, { "Content-Range": `bytes */${stored.size}` });
  }
  const status = range ? 206 : 200;
  if (range) headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${stored.size}`);
  headers.set("Content-Length", String(range ? range.length : stored.size));
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const object = await env.MEDIA.get(objectKey(sha256Hex), range ? { range } : {});
  if (!object) return fail(404, "not-found", "the object disappeared while being read; retry");
  return new Response(object.body, { status, headers });
}
