import { bytesToHex, utf8 } from "../../protocol/bytes.ts";

/** What a provider receives: who has something waiting, never what. */
export interface PushEvent {
  readonly type: "pending-messages";
  readonly eventId: string;
  readonly networkId: string;
  readonly deviceId: string;
  readonly pending: number;
  readonly firstPendingAt: number;
}

export type PushOutcome = "delivered" | "retry" | "rejected";

export const PUSH_TIMEOUT_MS = 5000;

/**
 * `Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the
 * timestamp inside the MAC lets the provider refuse replays of old deliveries.
 */
export async function signPush(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, utf8.encode(`${unixSeconds}.${body}`));
  return `t=${unixSeconds},v1=${bytesToHex(new Uint8Array(mac))}`;
}

/** POSTs one event. 2xx: delivered; 408, 429, 5xx and network errors: retry; other 4xx: rejected. */
export async function sendPush(webhook: { readonly url: string; readonly secret: string }, event: PushEvent, nowMs: number): Promise<PushOutcome> {
  const body = JSON.stringify(event);
  try {
    const res = await fetch(webhook.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      headers: {
        "Content-Type": "application/json",
        "Parley-Event-Id": event.eventId,
        "Parley-Signature": await signPush(webhook.secret, body, Math.floor(nowMs / 1000)),
      },
      body,
    });
    await res.body?.cancel();
    if (res.ok) return "delivered";
    return res.status === 408 || res.status === 429 || res.status >= 500 ? "retry" : "rejected";
  } catch {
    return "retry";
  }
}
