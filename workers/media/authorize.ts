import type { Env } from "../../gateway/env.ts";
import { verifyMediaToken, type MediaGrant } from "../../gateway/media/media-token.ts";
import { isSha256Hex } from "../../gateway/media/content-address.ts";
import { HttpError } from "../http.ts";

/** The media token in `Authorization: Bearer`, verified, or an HttpError saying what is wrong. */
export async function mediaGrant(request: Request, env: Env): Promise<MediaGrant> {
  const header = request.headers.get("Authorization") ?? "";
  // The scheme is case-insensitive (RFC 7235 §2.1).
  const token = /^bearer +(.+)$/i.exec(header)?.[1]?.trim() ?? "";
  if (!token) throw new HttpError(401, "unauthorized", "send Authorization: Bearer <media token>; devices get one with <iq type='get'><media/></iq>");
  const grant = await verifyMediaToken(env, token, Date.now());
  if (!grant) throw new HttpError(401, "unauthorized", "the media token is invalid or expired; request a new one over the socket");
  return grant;
}

export function hashParam(value: string | undefined): string {
  if (!value || !isSha256Hex(value)) throw new HttpError(400, "invalid-hash", "media is named by the SHA-256 of the encrypted file: 64 lowercase hex characters");
  return value;
}
