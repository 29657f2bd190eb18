import type { Env } from "../gateway/env.ts";
import { mediaMaxBytes } from "../gateway/media/content-address.ts";
import { issueMediaToken, MEDIA_TOKEN_TTL_MS } from "../gateway/media/media-token.ts";
import { CloseCode } from "../protocol/close-codes.ts";
import { KeyFormatError } from "../protocol/signal/keys.ts";
import { ack, bundleElement, iqResult, MAX_STANZA_BYTES, nack, readClientStanza, STANZA_ID, StanzaError, type ClientStanza, type IqQuery } from "../protocol/stanzas/index.ts";
import { element, parseXml, XmlError, type XmlElement } from "../protocol/xml/index.ts";
import type { Consent } from "./consent.ts";
import type { ClaimResult, DeliveryResult, Envelope } from "./delivery.ts";
import type { DeviceRegistry } from "./device-registry.ts";
import type { Inbox } from "./inbox.ts";
import type { PrekeyStore } from "./prekey-store.ts";

import type { ProviderQuota } from "./provider-quota.ts";
import type { TokenBucket } from "./token-bucket.ts";

/** Everything the router may touch: the sending device, its user's state, and the way out to other users. */
export interface RouterContext {
  readonly env: Env;
  readonly networkId: string;
  readonly deviceId: string;
  readonly nowMs: number;
  readonly devices: DeviceRegistry;
  readonly consent: Consent;
  readonly inbox: Inbox;
  readonly senderLimit: TokenBucket;
  readonly lookupLimit: TokenBucket;
  readonly providerQuota: ProviderQuota;
  readonly deliverTo: (networkId: string, envelope: Envelope) => Promise<DeliveryResult>;
  readonly prekeys: PrekeyStore;
  /** Claims bundles from a user's object (this one included) on behalf of this user. */
  readonly claimBundles: (networkId: string) => Promise<ClaimResult>;
  /** Re-publishes a device's public bundle to KV and tells bundle fetchers about a new identity. */
  readonly keysUploaded: (deviceId: string, identityChanged: boolean) => Promise<void>;
}

/** What to answer on the device's socket, and whether to end the session after answering. */
export interface StanzaOutcome {
  readonly replies: readonly XmlElement[];
  readonly close?: { readonly code: number; readonly reason: string };
}

/**
 * Handles one stanza from a device and returns what to answer on its socket. Every stanza
 * but an ack gets exactly one answer: an ack, a nack with a reason code, or an iq result.
 */
export async function routeStanza(ctx: RouterContext, bytes: Uint8Array): Promise<StanzaOutcome> {
  let el: XmlElement;
  try {
    el = parseXml(bytes, { maxBytes: MAX_STANZA_BYTES });
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    return { replies: [nack("stanza", undefined, err.code === "too-large" ? "too-large" : "malformed", err.message)] };
  }
  const id = STANZA_ID.test(el.attrs.id ?? "") ? el.attrs.id : undefined;
  let stanza: ClientStanza;
  try {
    stanza = readClientStanza(el);
  } catch (err) {
    if (!(err instanceof StanzaError)) throw err;
    return { replies: [nack(el.name, id, err.code, err.message)] };
  }
  try {
    // A suspended provider's users keep no session: their next stanza is refused and ends it.
    if (stanza.kind !== "ack" && !(await ctx.providerQuota.active(ctx.env, providerOf(ctx), ctx.nowMs))) {
      const reason = "the provider of this user is suspended";
      return { replies: [nack(el.name, id, "forbidden", reason)], close: { code: CloseCode.FORBIDDEN, reason } };
    }
    return { replies: await route(ctx, stanza) };
  } catch (err) {
    if (err instanceof StanzaError) return { replies: [nack(el.name, id, err.code, err.message, { ...err.attrs })] };
    if (err instanceof KeyFormatError) return { replies: [nack(el.name, id, "malformed", err.message)] };
    console.error("stanza routing failed", err);
    return { replies: [nack(el.name, id, "internal", "the gateway could not process this stanza; retrying is safe")] };
  }
}

/** The per-user stanza budget, spent by everything that costs the gateway or a recipient work. */
function takeUserBudget(ctx: RouterContext): void {
  if (ctx.senderLimit.take(1, ctx.nowMs) === 0) {
    throw new StanzaError("rate-limited", "too many stanzas from this user", { retry_ms: String(ctx.senderLimit.retryAfterMs(ctx.nowMs)) });
  }
}

async function spend(ctx: RouterContext): Promise<void> {
  takeUserBudget(ctx);
  const owner = ctx.devices.owner();
  if (!owner) throw new StanzaError("internal", "sender has no owner record");
  const quota = await ctx.providerQuota.take(ctx.env, owner.providerId, ctx.nowMs);
  if (!quota.ok) throw new StanzaError("rate-limited", "the provider's message budget is spent", { retry_ms: String(quota.retryAfterMs) });
}

function providerOf(ctx: RouterContext): string {
  return ctx.devices.owner()?.providerId ?? "";
}

function answer(result: DeliveryResult, cls: string, id: string, t: number): XmlElement {
  if (!result.ok) throw new StanzaError(result.code, result.text, { ...result.attrs });
  return ack(cls, id, { t, duplicate: result.duplicate ? "true" : undefined });
}

async function route(ctx: RouterContext, s: ClientStanza): Promise<XmlElement[]> {
  const from = ctx.networkId;
  const t = ctx.nowMs;
  switch (s.kind) {
    case "message": {
      await spend(ctx);
      const envelope: Envelope = { kind: "message", from, fromDevice: ctx.deviceId, fromProvider: providerOf(ctx), id: s.id, t, type: s.type, encs: s.encs };
      return [answer(await ctx.deliverTo(s.to, envelope), "message", s.id, t)];
    }
    case "receipt": {
      await spend(ctx);
      const envelope: Envelope = { kind: "receipt", from, fromDevice: ctx.deviceId, fromProvider: providerOf(ctx), id: s.id, t, type: s.type };
      return [answer(await ctx.deliverTo(s.to, envelope), "receipt", s.id, t)];
    }
    case "ack": {
      const key = s.class === "receipt" ? `${s.id}:${s.type}` : s.id;
      ctx.inbox.acknowledge(ctx.deviceId, s.class, s.from, key);
      return []; // acks are never answered: acknowledging an ack would never end
    }
    case "presence":
    case "chatstate": {
      await spend(ctx);
      const attrs: Record<string, string> = s.kind === "presence" ? { type: s.type } : { state: s.state };
      const envelope: Envelope = { kind: "ephemeral", from, fromProvider: providerOf(ctx), stanza: s.kind, attrs };
      return [answer(await ctx.deliverTo(s.to, envelope), s.kind, s.id, t)];
    }
    case "iq":
      return [await iq(ctx, s.id, s.query)];
  }
}

function directoryKey(provider: string, identifier: string): string {
  return `dir:${provider}:${identifier}`;
}

async function iq(ctx: RouterContext, id: string, q: IqQuery): Promise<XmlElement> {
  switch (q.kind) {
    case "ping":
      return iqResult(id);
    case "lookup": {
      if (ctx.lookupLimit.take(1, ctx.nowMs) === 0) {
        throw new StanzaError("rate-limited", "too many directory lookups", { retry_ms: String(ctx.lookupLimit.retryAfterMs(ctx.nowMs)) });
      }
      const found = await ctx.env.DIRECTORY.get(directoryKey(q.provider, q.identifier));
      // Not found and not discoverable look the same: the directory never confirms a hidden user.
      if (!found) return element("iq", { id, type: "error" }, [element("error", { code: "not-found", text: "no discoverable user" })]);
      return iqResult(id, [element("user", { id: found })]);
    }
    case "get-privacy":
      return iqResult(id, [privacyElement(ctx.consent)]);
    case "set-privacy": {
      const privacy = ctx.consent.setPrivacy({ discoverable: q.discoverable, allow: q.allow });
      const owner = ctx.devices.owner();
      if (q.discoverable !== undefined && owner?.identifier) {
        const key = directoryKey(owner.providerId, owner.identifier);
        if (privacy.discoverable) await ctx.env.DIRECTORY.put(key, ctx.networkId);
        else await ctx.env.DIRECTORY.delete(key);
      }
      return iqResult(id, [privacyElement(ctx.consent)]);
    }
    case "upload-keys": {
      const { identityChanged } = ctx.prekeys.upload(ctx.deviceId, q.upload, ctx.nowMs);
      await ctx.keysUploaded(ctx.deviceId, identityChanged);
      return iqResult(id, [countElement(ctx)]);
    }
    case "get-key-count":
      return iqResult(id, [countElement(ctx)]);
    case "get-bundles": {
      // Each fetch consumes one-time prekeys: it spends the stanza budget like a message would.
      takeUserBudget(ctx);
      const result = await ctx.claimBundles(q.user);
      if (!result.ok) throw new StanzaError(result.code, result.text);
      return iqResult(id, [element("bundles", { user: q.user }, result.bundles.map(bundleElement))]);
    }
    case "media-token": {
      takeUserBudget(ctx);
      const expMs = ctx.nowMs + MEDIA_TOKEN_TTL_MS;
      const token = await issueMediaToken(ctx.env, { networkId: ctx.networkId, deviceId: ctx.deviceId, providerId: providerOf(ctx), expMs });
      return iqResult(id, [element("media", { token, expires: expMs, max_bytes: mediaMaxBytes(ctx.env) })]);
    }
    case "block":
      ctx.consent.block(q.user);
      return iqResult(id);
    case "unblock":
      ctx.consent.unblock(q.user);
      return iqResult(id);
  }
}

function countElement(ctx: RouterContext): XmlElement {
  const c = ctx.prekeys.counts(ctx.deviceId);
  return element("count", { prekeys: c.preKeys, kyber: c.kyberPreKeys });
}

function privacyElement(consent: Consent): XmlElement {
  const p = consent.privacy();
  return element("privacy", { discoverable: String(p.discoverable), allow: p.allow === "*" ? "*" : p.allow.join(" ") });
}
