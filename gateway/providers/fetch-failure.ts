/**
 * Says in words what went wrong when a fetch() to a provider's host rejected, as far as the
 * runtime lets anyone tell. What workerd's fetch rejects with (observed against workerd
 * 2026-07-30, the runtime of `npm start`; Miniflare's test outbound answers 500 instead):
 *
 * | cause | rejection |
 * | --- | --- |
 * | connection refused, or closed by the host before any answer | `Error("Network connection lost.")`, `retryable` set |
 * | name does not resolve | `Error("internal error; reference = <id>")` |
 * | TLS failure (bad certificate, or not TLS at all) | the same `internal error` |
 * | an answer that is not HTTP | the same `internal error` |
 * | AbortSignal.timeout fired | `TimeoutError` (`DOMException`) |
 *
 * The opaque `internal error` carries its cause only in workerd's own log, so for it the
 * text names every cause it can stand for instead of quoting a reference nobody can use.
 */
export type FetchFailure = "timeout" | "connection-lost" | "unreachable" | "network";

export interface ClassifiedFailure {
  readonly failure: FetchFailure;
  readonly message: string;
}

const OPAQUE = /^internal error(;|$)/;

export function classifyFetchFailure(err: unknown, url: URL, timeoutMs: number): ClassifiedFailure {
  const name = err instanceof Error || err instanceof DOMException ? err.name : "";
  const message = err instanceof Error || err instanceof DOMException ? err.message : String(err);
  if (name === "TimeoutError" || name === "AbortError") {
    return { failure: "timeout", message: `${url.host} did not answer within ${timeoutMs / 1000} s` };
  }
  if (message === "Network connection lost.") {
    return { failure: "connection-lost", message: `connection to ${url.host} refused, or closed before it answered` };
  }
  if (OPAQUE.test(message)) {
    const causes = url.protocol === "https:" ? "DNS, TLS or a response that is not HTTP" : "DNS or a response that is not HTTP";
    return { failure: "unreachable", message: `could not connect to ${url.host} (${causes}: the runtime does not say which)` };
  }
  return { failure: "network", message: `fetching from ${url.host} failed: ${message}` };
}

/**
 * Cloudflare's own 52x/530 answers, seen when the host (or the path to it) sits behind
 * Cloudflare: the status alone then says which step failed.
 */
const EDGE_STATUS: Readonly<Record<number, string>> = {
  521: "the origin refused the connection",
  522: "connecting to the origin timed out",
  523: "the origin is unreachable",
  524: "the origin did not answer in time",
  525: "the TLS handshake with the origin failed",
  526: "the origin's TLS certificate is invalid",
  530: "the origin's DNS name did not resolve (Cloudflare error 1016) or it is otherwise unavailable",
};

const STATUS_HINT: Readonly<Record<number, string>> = {
  401: "the JWKS must be served without credentials",
  403: "the JWKS must be served without credentials",
  404: "check the registered jwksUri",
};

/** "<host> answered HTTP <status>", with what that status usually means for a JWKS URI. */
export function describeStatus(url: URL, status: number): string {
  const hint = EDGE_STATUS[status] ? `Cloudflare: ${EDGE_STATUS[status]}` : STATUS_HINT[status];
  return `${url.host} answered HTTP ${status}${hint ? ` (${hint})` : ""}`;
}

/** A header value from a remote host, made safe to show: printable ASCII, bounded. */
export function printable(value: string, max = 200): string {
  const clean = value.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
