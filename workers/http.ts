import { error, type IRequest } from "itty-router";

/** Every error body has the same shape: a stable machine code and a human explanation. */
export function fail(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  const res = error(status, { error: code, message, ...extra });
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
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

/** Parses a JSON body of at most `maxBytes`, or throws an HttpError saying what is wrong. */
export async function readJson(request: IRequest, maxBytes = 16 * 1024): Promise<unknown> {
  if (!(request.headers.get("Content-Type") ?? "").toLowerCase().startsWith("application/json")) {
    throw new HttpError(415, "unsupported-media-type", "send Content-Type: application/json");
  }
  const text = await request.text();
  if (text.length > maxBytes) throw new HttpError(413, "too-large", `body larger than ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid-json", "body is not valid JSON");
  }
}
