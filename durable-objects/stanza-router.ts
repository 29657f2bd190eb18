import type { Env } from "../gateway/env.ts";
import { mediaMaxBytes } from "../gateway/media/content-address.ts";
import { issueMediaToken, MEDIA_TOKEN_TTL_MS } from "../gateway/media/media-token.ts";
import { CloseCode } from "../protocol/close-codes.ts";
import { KeyFormatError } from "../protocol/signal/keys.ts";
import { turnCredentials, turnServers } from "../gateway/calls/turn-credentials.ts";
import { ack, bundleElement, iqResult, MAX_STANZA_BYTES, nack, readClientStanza, STANZA_ID, StanzaError, type ClientStanza, type IqQuery } from "../protocol/stanzas/index.ts";
import { element, parseXml, XmlError, type XmlElement } from "../protocol/xml/index.ts";
import type { Consent } from "./consent.ts";
import type { ClaimResult, DeliveryResult, Envelope } from "./delivery.ts";
import type { DeviceRegistry, DeviceRemoval } from "./device-registry.ts";
import type { GroupAccess } from "./group-access.ts";
import type { AckedItem, Inbox } from "./inbox.ts";
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
  /** Delivers envelopes to one user, in order; one result per envelope. */
  readonly deliverTo: (networkId: string, envelopes: readonly Envelope[]) => Promise<readonly DeliveryResult[]>;
  readonly prekeys: PrekeyStore;
  /** Claims bundles from a user's object (this one included) on behalf of this user. */
  readonly claimBundles: (networkId: string) => Promise<ClaimResult>;
  /** Re-publishes a device's public bundle to KV and tells bundle fetchers about a new identity. */
  readonly keysUploaded: (deviceId: string, change: { identityChanged: boolean; newIdentity: boolean }) => Promise<void>;
  /** Group iqs and messages (docs/groups.md). */
  readonly groups: GroupAccess;
  /** Removes a device of this user (the asking one included: its session ends after the answer). */
  readonly removeDevice: (deviceId: string) => Promise<DeviceRemoval>;
  /** A 1:1 message to `to` was accepted: `to` is now a contact of this user (group consent). */
  readonly messageAccepted: (to: string) => void;
}

/** What to answer on the device's socket, and whether to end the session after answering. */
export interface StanzaOutcome {
  readonly replies: readonly XmlElement[];
  readonly close?: { readonly code: number; readonly reason: string };
  /** Acks among the stanzas (they get no answer). */
  readonly acked?: number;
}

/** A stanza read far enough to answer: its element name and usable ID, and what it asks. */
type Read = { readonly reply: XmlElement } | { readonly name: string; readonly id: string | undefined; readonly stanza: ClientStanza };

function read(bytes: Uint8Array): Read {
  let el: XmlElement;
  try {
    el = parseXml(bytes, { maxBytes: MAX_STANZA_BYTES });
  } catch (err) {
    if (!(err instanceof XmlError)) throw err;
    return { reply: nack("stanza", undefined, err.code === "too-large" ? "too-large" : "malformed", err.message) };
  }
  const id = STANZA_ID.test(el.attrs.id ?? "") ? el.attrs.id : undefined;
  try {
    return { name: el.name, id, stanza: readClientStanza(el) };
  } catch (err) {
    if (!(err instanceof StanzaError)) throw err;
    return { reply: nack(el.name, id, err.code, err.message) };
  }
}

const INTERNAL = "the gateway could not process this stanza; retrying is safe";

function failure(name: string, id: string | undefined, err: unknown): XmlElement {
  if (err instanceof StanzaError) return nack(name, id, err.code, err.message, { ...err.attrs });
  if (err instanceof KeyFormatError) return nack(name, id, "malformed", err.message);
  console.error("stanza routing failed", err);
  return nack(name, id, "internal", INTERNAL);
}

/**
 * Handles the stanzas of one transport message (one, or a batch) from a device, in order,
 * and returns what to answer. Every stanza but an ack gets exactly one answer: an ack, a nack
 * with a reason code, or an iq result. Consecutive messages and receipts travel together:
 * one delivery call per recipient, each keeping its stanzas' order; anything else waits for
 * the deliveries before it, so a batch means what the same stanzas sent one by one mean.
 */
export async function routeStanzas(ctx: RouterContext, batch: readonly Uint8Array[]): Promise<StanzaOutcome> {
  const replies: XmlElement[] = [];
  const acks: AckedItem[] = [];
  let run: Deliverable[] = [];
  let close: StanzaOutcome["close"];
  const flush = async () => {
    if (run.length > 0) await deliverRun(ctx, run, replies);
    run = [];
  };
  for (const bytes of batch) {
    const r = read(bytes);
    if ("reply" in r) {
      replies.push(r.reply);
      continue;
    }
    const { name, id, stanza } = r;
    if (stanza.kind === "ack") {
      acks.push({ class: stanza.class, from: stanza.from, key: stanza.class === "receipt" ? `${stanza.id}:${stanza.type}` : stanza.id });
      continue; // acks are never answered: acknowledging an ack would never end
    }
    try {
      // A removed device, or a suspended provider's users, keep no session: their stanzas are refused and it ends.
      close ??= removed(ctx) ?? (await suspended(ctx));
      if (close) {
        replies.push(nack(name, id, "forbidden", close.reason));
        continue;
      }
    } catch (err) {
      replies.push(failure(name, id, err));
      continue;
    }
    if (stanza.kind === "message" || stanza.kind === "receipt") {
      // Held until its delivery answers; a slot somehow never filled refuses, never acks.
      const slot = replies.push(UNANSWERED(name, stanza.id)) - 1;
      try {
        await spend(ctx);
        run.push({ to: stanza.to, envelope: envelopeOf(ctx, stanza), slot, name });
      } catch (err) {
        replies[slot] = failure(name, id, err);
      }
      continue;
    }
    await flush();
    try {
      replies.push(...(await route(ctx, stanza)));
    } catch (err) {
      replies.push(failure(name, id, err));
    }
  }
  await flush();
  if (acks.length > 0) ctx.inbox.acknowledge(ctx.deviceId, acks);
  // A device that removed itself ends its session once answered.
  close ??= removed(ctx);
  return { replies, acked: acks.length, ...(close ? { close } : {}) };
}

type Close = NonNullable<StanzaOutcome["close"]>;

function removed(ctx: RouterContext): Close | undefined {
  return ctx.devices.deviceIds().includes(ctx.deviceId) ? undefined : { code: CloseCode.DEVICE_REMOVED, reason: "this device was removed" };
}

async function suspended(ctx: RouterContext): Promise<Close | undefined> {
  return (await ctx.providerQuota.active(ctx.env, providerOf(ctx), ctx.nowMs)) ? undefined : { code: CloseCode.FORBIDDEN, reason: "the provider of this user is suspended" };
}

interface Deliverable {
  readonly to: string;
  readonly envelope: Extract<Envelope, { kind: "message" | "receipt" }>;
  /** Where its answer goes in `replies`. */
  readonly slot: number;
  readonly name: string;
}

const UNANSWERED = (name: string, id: string) => nack(name, id, "internal", INTERNAL);

function envelopeOf(ctx: RouterContext, s: Extract<ClientStanza, { kind: "message" | "receipt" }>): Deliverable["envelope"] {
  const from = { from: ctx.networkId, fromDevice: ctx.deviceId, fromProvider: providerOf(ctx), id: s.id, t: ctx.nowMs };
  return s.kind === "message" ? { kind: "message", ...from, type: s.type, encs: s.encs } : { kind: "receipt", ...from, type: s.type };
}

/** One delivery call per recipient, concurrently; each answer lands in its stanza's slot. */
async function deliverRun(ctx: RouterContext, run: readonly Deliverable[], replies: XmlElement[]): Promise<void> {
  const byRecipient = new Map<string, Deliverable[]>();
  for (const d of run) byRecipient.set(d.to, [...(byRecipient.get(d.to) ?? []), d]);
  await Promise.all(
    [...byRecipient].map(async ([to, items]) => {
      let results: readonly DeliveryResult[];
      try {
        results = await ctx.deliverTo(to, items.map((d) => d.envelope));
      } catch (err) {
        for (const d of items) replies[d.slot] = failure(d.name, d.envelope.id, err);
        return;
      }
      items.forEach((d, i) => {
        if (results[i]?.ok && d.envelope.kind === "message" && to !== ctx.networkId) ctx.messageAccepted(to);
        try {
          replies[d.slot] = answer(results[i]!, d.name, d.envelope.id, d.envelope.t);
        } catch (err) {
          replies[d.slot] = failure(d.name, d.envelope.id, err);
        }
      });
    }),
  );
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

/** Everything but messages, receipts and acks, which routeStanzas handles in runs. */
async function route(ctx: RouterContext, s: Exclude<ClientStanza, { kind: "message" | "receipt" | "ack" }>): Promise<XmlElement[]> {
  const from = ctx.networkId;
  const t = ctx.nowMs;
  switch (s.kind) {
    case "presence":
    case "chatstate": {
      await spend(ctx);
      const attrs: Record<string, string> = s.kind === "presence" ? { type: s.type } : { state: s.state };
      const envelope: Envelope = { kind: "ephemeral", from, fromProvider: providerOf(ctx), stanza: s.kind, attrs };
      const [result] = await ctx.deliverTo(s.to, [envelope]);
      return [answer(result!, s.kind, s.id, t)];
    }
    case "iq":
      return [await iq(ctx, s.id, s.query)];
    case "group-message": {
      await spend(ctx);
      const result = await ctx.groups.post({ networkId: ctx.networkId, deviceId: ctx.deviceId, nowMs: t }, s);
      return [answer(result, "message", s.id, t)];
    }
  }
}

function directoryKey(provider: string, identifier: string): string {
  return `dir:${provider}:${identifier}`;
}

async function iq(ctx: RouterContext, id: string, q: IqQuery): Promise<XmlElement> {
  switch (q.kind) {
    case "ping":
      return iqResult(id);
    case "turn-credentials": {
      const servers = turnServers(ctx.env);
      if (!servers) return element("iq", { id, type: "error" }, [element("error", { code: "not-found", text: "this gateway has no TURN servers" })]);
      const c = await turnCredentials(servers, ctx.networkId, ctx.nowMs);
      return iqResult(id, [
        element("turn", { username: c.username, credential: c.credential, ttl: c.ttlSeconds, expires: c.expires }, c.urls.map((url) => element("server", { url }))),
      ]);
    }
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
      const privacy = ctx.consent.setPrivacy({ discoverable: q.discoverable, allow: q.allow, groups: q.groups });
      const owner = ctx.devices.owner();
      if (q.discoverable !== undefined && owner?.identifier) {
        const key = directoryKey(owner.providerId, owner.identifier);
        if (privacy.discoverable) await ctx.env.DIRECTORY.put(key, ctx.networkId);
        else await ctx.env.DIRECTORY.delete(key);
      }
      return iqResult(id, [privacyElement(ctx.consent)]);
    }
    case "upload-keys": {
      await ctx.keysUploaded(ctx.deviceId, ctx.prekeys.upload(ctx.deviceId, q.upload, ctx.nowMs));
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
    case "device-remove": {
      // Each one writes to KV, and a real one wakes every group of the user.
      takeUserBudget(ctx);
      const result = await ctx.removeDevice(q.device);
      if (!result.ok) return element("iq", { id, type: "error" }, [element("error", { code: "not-found", text: "no such device of this user" })]);
      return iqResult(id, [element("device-removed", { device: q.device, devices: result.devices.join(" ") })]);
    }
    case "group":
      // Each one wakes a group object, and most reach other users' objects too.
      takeUserBudget(ctx);
      return ctx.groups.query({ networkId: ctx.networkId, deviceId: ctx.deviceId, nowMs: ctx.nowMs }, id, q.query);
  }
}

function countElement(ctx: RouterContext): XmlElement {
  const c = ctx.prekeys.counts(ctx.deviceId);
  return element("count", { prekeys: c.preKeys, kyber: c.kyberPreKeys });
}

function privacyElement(consent: Consent): XmlElement {
  const p = consent.privacy();
  return element("privacy", { discoverable: String(p.discoverable), allow: p.allow === "*" ? "*" : p.allow.join(" "), groups: p.groups });
}
