/**
 * CORS for the routes a provider's web client calls from its own origin: enrollment, keys,
 * gateway parameters and media. Every credential here is a bearer token or a signed JWT in
 * the body, never a cookie, so any origin may call (`*`, no credentials mode). The admin API
 * and the development provider are left without CORS: they are not for browsers.
 */
const PUBLIC = /^\/v1\/(enroll|gateway|keys\/|media\/)/;

const EXPOSED = "Content-Length, Content-Range, ETag, Retry-After, X-Parley-Cache";

export function isCorsRoute(request: Request): boolean {
  return PUBLIC.test(new URL(request.url).pathname);
}

/** The answer to a preflight, or undefined when the request is not one on a public route. */
export function preflight(request: Request): Response | undefined {
  if (request.method !== "OPTIONS" || !isCorsRoute(request)) return undefined;
  return new Response(null, {
    status: 204,
    headers: {
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT",
      "Access-Control-Allow-Headers": "Authorization, Content-Type, Range",
      "Access-Control-Max-Age": "86400",
    },
  });
}

export function withCors(response: Response, request: Request): Response {
  // 101 is a WebSocket handshake (its headers are not for CORS, and it cannot be rebuilt).
  if (response.status === 101 || !isCorsRoute(request) || !request.headers.has("Origin")) return response;
  const out = new Response(response.body, response);
  out.headers.set("Access-Control-Allow-Origin", "*");
  out.headers.set("Access-Control-Expose-Headers", EXPOSED);
  return out;
}
