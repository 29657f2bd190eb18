import type { IRequest } from "itty-router";
import { concatBytes } from "../protocol/bytes.ts";

/**
 * Every HTTP error the gateway produces: `{"error": <stable code>, "message": <human text>,
 * ...extra}` (docs/wire.md). Not itty's `error()`, which adds a `status` field that the HTTP
 * status already carries; `extra` cannot replace `error` or `message`.
 */
export function fail(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const res = Response.json({ ...extra, error: code, message }, { status });
  res.headers.set("Content-Type", "application/json; charset=utf-8");
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

/**
 * What every router answers for a method and path it has no route for. A path served with
 * another method answers this too, not 405: routes are matched on the pair, and one answer
 * for both means no router has to keep a second table of its paths (docs/wire.md).
 */
export function noRoute(): Response {
  return fail(404, "not-found", "no route for this method and path");
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Parses a JSON body of at most `maxBytes`, or throws an HttpError saying what is wrong. The
 * limit holds before the body is buffered: a declared Content-Length over it is refused
 * unread, and a body without one (chunked) is read only up to the limit, the rest cancelled.
 */
export async function readJson(request: IRequest, maxBytes = 16 * 1024): Promise<unknown> {
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/json")) {
    throw new HttpError(415, "unsupported-media-type", "send Content-Type: application/json");
  }
  const declared = request.headers.get("Content-Length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readCapped(request.body, maxBytes);
  try {
    // RFC 8259 §8.1: JSON between systems is UTF-8; invalid sequences are not quietly replaced.
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new HttpError(400, "invalid-json", "body is not valid JSON");
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "too-large", `body larger than ${maxBytes} bytes`);
}

async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concatBytes(...chunks);
    length += value.byteLength;
    if (length > maxBytes) {
      // Not awaited: a sender that ignores the cancel must not hold the refusal back.
      reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
}
