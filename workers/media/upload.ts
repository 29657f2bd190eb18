import { json, type IRequest } from "itty-router";
import type { Env } from "../../gateway/env.ts";
import { mediaMaxBytes, objectKey } from "../../gateway/media/content-address.ts";
import { HttpError } from "../http.ts";
import { hashParam, mediaGrant } from "./authorize.ts";
import { ContentMismatch, storeVerified } from "./verified-store.ts";

/**
 * PUT /v1/media/:sha256: stores an encrypted file for providers without media hosting.
 * The URL names the content; the gateway commits the object only if the bytes match it,
 * so nobody can plant a file under another file's name.
 */
export async function uploadMedia(req: IRequest, env: Env): Promise<Response> {
  await mediaGrant(req, env);
  const sha256Hex = hashParam(req.params.sha256);
  const max = mediaMaxBytes(env);
  const declared = req.headers.get("Content-Length");
  if (declared === null || !/^\d+$/.test(declared)) throw new HttpError(411, "length-required", "send Content-Length: the file is stored as it streams in");
  const length = Number(declared);
  if (length > max) throw new HttpError(413, "too-large", `${length} bytes is over the ${max}-byte media limit`);
  const existing = await env.MEDIA.head(objectKey(sha256Hex));
  if (existing) {
    // Same name, same bytes: nothing to store (the unread body is discarded by the runtime).
    return json({ sha256: sha256Hex, size: existing.size, created: false });
  }
  if (!req.body) throw new HttpError(400, "empty-body", "no file in the request body");
  try {
    const stored = await storeVerified(env, sha256Hex, req.body, length, "upload");
    return json({ sha256: sha256Hex, size: stored.size, created: true }, { status: 201 });
  } catch (err) {
    if (err instanceof ContentMismatch) {
      throw new HttpError(400, err.reason === "hash" ? "hash-mismatch" : "length-mismatch", `nothing stored: ${err.message}`);
    }
    throw err;
  }
}
