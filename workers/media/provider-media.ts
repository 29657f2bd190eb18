import type { Env } from "../../gateway/env.ts";
import type { Provider } from "../../gateway/providers/provider.ts";
import { HttpError } from "../http.ts";
import { checkTarget } from "./target-policy.ts";
import { ContentMismatch, storeVerified } from "./verified-store.ts";

const MAX_REDIRECTS = 3;
/** Whole transfer, headers and body: a stalled host must not hold a request open forever. */
const UPSTREAM_TIMEOUT_MS = 60_000;

/**
 * Fetches provider-hosted media into the gateway's content-addressed cache (flow 7). Only
 * the sending provider's allowlisted hosts are contacted, redirects included; the file is
 * streamed through a hash check into R2, so a recipient is only ever served bytes that
 * match the hash in the message it received.
 */
export async function fetchProviderMedia(env: Env, provider: Provider, src: string, sha256Hex: string, maxBytes: number): Promise<R2Object> {
  const first = checkTarget(src, undefined, provider.mediaHosts);
  if (!first.ok) throw new HttpError(first.code === "invalid-source" ? 400 : 403, first.code, first.message);
  const signal = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
  let url = first.url;
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, { redirect: "manual", signal, headers: { Accept: "application/octet-stream, */*" } });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get("Location");
        if (!location) throw new HttpError(502, "upstream-error", `media host answered ${response.status} without a Location`);
        if (hop >= MAX_REDIRECTS) throw new HttpError(502, "too-many-redirects", `more than ${MAX_REDIRECTS} redirects`);
        const next = checkTarget(location, url, provider.mediaHosts);
        if (!next.ok) throw new HttpError(403, "redirect-not-allowed", `redirect refused: ${next.message}`);
        url = next.url;
        continue;
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new HttpError(502, "upstream-error", `media host answered HTTP ${response.status}`);
      }
      const length = Number(response.headers.get("Content-Length") ?? NaN);
      if (!Number.isSafeInteger(length) || length < 0) {
        await response.body.cancel();
        throw new HttpError(502, "upstream-length-unknown", "media host sent no Content-Length; the proxy needs it to store the file");
      }
      if (length > maxBytes) {
        await response.body.cancel();
        throw new HttpError(502, "too-large", `media host announced ${length} bytes; the limit is ${maxBytes}`);
      }
      return await storeVerified(env, sha256Hex, response.body, length, "proxy");
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof ContentMismatch) {
      throw new HttpError(502, err.reason === "hash" ? "hash-mismatch" : "upstream-error", `the media host's file is not the one in the message: ${err.message}`);
    }
    if (signal.aborted) throw new HttpError(504, "upstream-timeout", `media host did not deliver within ${UPSTREAM_TIMEOUT_MS / 1000} s`);
    throw new HttpError(502, "upstream-error", `fetching from the media host failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
