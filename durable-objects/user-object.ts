import { DurableObject } from "cloudflare:workers";
import type { Env } from "../gateway/env.ts";
import { gatewayIdentity } from "../gateway/identity.ts";
import { ProviderRegistry } from "../gateway/providers/registry.ts";
import { setting } from "../gateway/settings.ts";
import { sendPush } from "../gateway/push/webhook.ts";
import { enrolledProvider } from "../gateway/user-index.ts";
import { CloseCode } from "../protocol/close-codes.ts";
import { isNetworkId } from "../protocol/identifiers.ts";
import { ephemeral } from "../protocol/stanzas/index.ts";
import { nextAlarmAt } from "./alarm-schedule.ts";
import { ackArrived, flushInbox, forgetLive, holdsLive, offerLive } from "./backlog.ts";
import { Consent } from "./consent.ts";
import { accept, admit, noticeId, type ClaimResult, type DeliveryResult, type Envelope } from "./delivery.ts";
import { PrekeyStore } from "./prekey-store.ts";
import { publishedBundleJson } from "../gateway/keys/published-bundle.ts";
import { bytesToBase64Url } from "../protocol/bytes.ts";
import { DeviceRegistry, type DeviceRemoval, type Enrollment } from "./device-registry.ts";
import { GroupAccess } from "./group-access.ts";
import { groupConsent, storeGroupEntries } from "./group-inbox.ts";
import type { GroupConsent, GroupDeliveryAnswer, GroupEntry } from "./group-types.ts";
import { UserGroups } from "./group-user-state.ts";
import { Inbox, type NewItem } from "./inbox.ts";
import { handleFrame } from "./noise-connection.ts";
import { ProviderQuota } from "./provider-quota.ts";
import { PushQueue } from "./push-queue.ts";
import { SerialQueue } from "./serial-queue.ts";
import { sendStanza } from "./session-sender.ts";
import { awaitingHandshake, closeSocket, readAttachment, writeAttachment, type OpenAttachment } from "./socket-attachment.ts";
import { routeStanzas } from "./stanza-router.ts";
import { TokenBucket } from "./token-bucket.ts";
import { UserSchema } from "./user-schema.ts";

/** Recipients whose stubs a user object keeps (deliverRemote); the oldest goes first. */
const MAX_PEER_STUBS = 64;
/** Longest a row waits for the device's ack of earlier ones (backlog.ts holdsLive). */
const ACK_WAIT_MS = 5;
/** A connection must finish the Noise handshake within this time or is closed. */
export const HANDSHAKE_TIMEOUT_MS = 30_000;
/** When work is already overdue at scheduling time, it failed once: try again after this. */
const RETRY_DUE_MS = 60_000;
/**
 * Sockets one user object holds before their handshake finishes. Each costs the object
 * memory (hundreds of KiB in workerd) before anyone proved anything, so a further upgrade is
 * refused with HTTP 429 until one finishes, leaves or times out. A user's own devices need
 * one each, and only for the few round trips of a handshake.
 */
export const MAX_PENDING_HANDSHAKES = 32;

const UNKNOWN_RECIPIENT = { ok: false, code: "unknown-recipient", text: "no such user" } as const;

export type EnrollResult =
  | { readonly ok: true; readonly created: boolean; readonly deviceCount: number }
  | { readonly ok: false; readonly reason: "replayed" | "too-many-devices" };

export const MAX_DEVICES_PER_USER = 16;

/**
 * One per user (named by network ID): the user's device connections (WebSocket Hibernation
 * API: the object may be evicted between frames and wakes with each socket's state from its
 * attachment), enrolled devices, consent settings, and the durable inbox every stanza for
 * this user is written to before its sender is acknowledged.
 */
export class UserObject extends DurableObject<Env> {
  readonly #queue = new SerialQueue<WebSocket>();
  /** Sockets with a live-delivery flush queued that has not started yet. */
  readonly #flushWaiting = new WeakSet<WebSocket>();
  readonly #peers = new Map<string, DurableObjectStub<UserObject>>();
  /** Rows held for a device's ack (holdsLive) go out after this at the latest. */
  readonly #holdTimers = new Map<WebSocket, ReturnType<typeof setTimeout>>();
  readonly #devices: DeviceRegistry;
  readonly #consent: Consent;
  readonly #inbox: Inbox;
  readonly #push: PushQueue;
  readonly #senderLimit: TokenBucket;
  readonly #lookupLimit: TokenBucket;
  readonly #mediaFetchLimit: TokenBucket;
  readonly #providerQuota = new ProviderQuota();
  readonly #prekeys: PrekeyStore;
  readonly #schema: UserSchema;
  readonly #groups: UserGroups;
  readonly #groupAccess: GroupAccess;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // No table is created here: only enroll() does, so a name nobody enrolled leaves no storage.
    this.#schema = new UserSchema(ctx.storage);
    this.#devices = new DeviceRegistry(ctx.storage.sql);
    this.#consent = new Consent(ctx.storage.sql);
    this.#inbox = new Inbox(ctx.storage, setting(env.MESSAGE_TTL_SECONDS, 30 * 86_400) * 1000);
    this.#push = new PushQueue(ctx.storage.sql);
    this.#prekeys = new PrekeyStore(ctx.storage);
    this.#senderLimit = new TokenBucket(setting(env.USER_STANZAS_PER_MINUTE, 600));
    this.#lookupLimit = new TokenBucket(setting(env.LOOKUPS_PER_MINUTE, 30));
    this.#mediaFetchLimit = new TokenBucket(setting(env.MEDIA_FETCHES_PER_MINUTE, 60));
    this.#groups = new UserGroups(ctx.storage.sql);
    this.#groupAccess = new GroupAccess(env, this.#groups, this.#devices);
  }

  /**
   * Enrollment RPC from the Worker, which has already verified the token. Here, inside the
   * user's single-threaded object, the token is consumed (replays refused) and the device
   * recorded in one step.
   */
  async enroll(request: Enrollment & { readonly jti: string; readonly expMs: number }): Promise<EnrollResult> {
    const now = Date.now();
    this.#schema.create();
    if (!this.#devices.useToken(request.jti, request.expMs, now)) return { ok: false, reason: "replayed" };
    const known = this.#devices.deviceIds().includes(request.deviceId);
    // Bounded so a user's bundles always fit one stanza (each carries a 1569-byte Kyber key).
    if (!known && this.#devices.deviceCount() >= MAX_DEVICES_PER_USER) return { ok: false, reason: "too-many-devices" };
    const created = this.#devices.enroll(request, now);
    if (created) {
      // The groups this user is in must know the new device before it can be sent anything.
      this.#groups.devicesChanged(now);
      await this.#groupAccess.pushDevices(now);
      await this.#scheduleAlarm();
    }
    return { ok: true, created, deviceCount: this.#devices.deviceCount() };
  }

  /**
   * Removal RPC from the Worker (a provider removing a lost device), which has verified the
   * token: here it is consumed, then the device goes as if a sibling had asked.
   */
  async removeDevice(request: { readonly deviceId: string; readonly jti: string; readonly expMs: number }): Promise<DeviceRemoval> {
    if (!this.#schema.exists()) return { ok: false, reason: "not-found" };
    if (!this.#devices.useToken(request.jti, request.expMs, Date.now())) return { ok: false, reason: "replayed" };
    return this.#removeDevice(request.deviceId, null);
  }

  /** Delivery RPC from another user's object (or this one): admit, store durably, then fan out. */
  async deliver(envelope: Envelope): Promise<DeliveryResult> {
    return (await this.deliverMany([envelope]))[0]!;
  }

  /**
   * Several envelopes from one sender's object, in order, one result each: every accepted one
   * is stored before this returns (the sender acks after), and devices online get them in one
   * pass rather than one per envelope.
   */
  async deliverMany(envelopes: readonly Envelope[]): Promise<DeliveryResult[]> {
    if (!this.#schema.exists()) return envelopes.map(() => UNKNOWN_RECIPIENT);
    const now = Date.now();
    const results: DeliveryResult[] = [];
    const admitted: { readonly at: number; readonly item: NewItem }[] = [];
    for (const envelope of envelopes) {
      if (envelope.kind === "ephemeral") {
        results.push(this.#deliverEphemeral(envelope));
        continue;
      }
      const decision = admit(this.#recipient(), envelope);
      if (decision.ok) admitted.push({ at: results.length, item: decision.item });
      results.push(decision.ok ? { ok: true, duplicate: false } : decision);
    }
    // One transaction for all of them; each sender's ack waits for it.
    const stored = this.#inbox.store(admitted.map((a) => a.item), now);
    let message = false;
    stored.forEach(({ duplicate }, i) => {
      const { at, item } = admitted[i]!;
      results[at] = { ok: true, duplicate };
      if (!duplicate && item.class === "message") message = true;
    });
    if (stored.some((s) => !s.duplicate)) await this.#fanOut(message, now);
    return results;
  }

  /** Group RPC: may `adder` put this user in a group directly, or only invite them (docs/groups.md)? */
  async groupConsent(request: { readonly group: string; readonly adder: string; readonly adderProvider: string }): Promise<GroupConsent> {
    if (!this.#schema.exists()) return { ok: false, code: "unknown-recipient" };
    return groupConsent(this.#groupRecipient(), request.group, request.adder, request.adderProvider, Date.now());
  }

  /** Group RPC: entries of a group's log, in order, stored before this returns; repeats are skipped. */
  async groupDeliver(group: string, entries: readonly GroupEntry[]): Promise<GroupDeliveryAnswer> {
    if (!this.#schema.exists() || !this.#devices.owner()) return { ok: false, code: "unknown-recipient" };
    const now = Date.now();
    const { message } = storeGroupEntries(this.#groupRecipient(), group, entries, now);
    await this.#fanOut(message, now);
    return { ok: true, devices: { version: this.#groups.deviceVersion(), devices: this.#devices.deviceIds() } };
  }

  /**
   * Bundle RPC: one bundle per device of this user for `fetcher`, consuming one-time
   * prekeys. Devices that run low are told to upload more.
   */
  async claimBundles(fetcher: { readonly networkId: string; readonly provider: string }): Promise<ClaimResult> {
    if (!this.#schema.exists()) return UNKNOWN_RECIPIENT;
    const now = Date.now();
    const owner = this.#devices.owner();
    if (!owner) return UNKNOWN_RECIPIENT;
    if (fetcher.networkId !== owner.networkId && this.#consent.admits(fetcher.networkId, fetcher.provider) !== "ok") {
      return { ok: false, code: "recipient-refused", text: "the user does not accept contact from the requester" };
    }
    const { bundles, low } = this.#prekeys.claim(this.#devices.deviceIds(), fetcher.networkId, now);
    for (const { deviceId, remaining } of low) {
      // One notice per count per day: repeated drains after top-ups are told again, a burst is not.
      const id = noticeId("prekeys-low", deviceId, String(remaining), String(Math.floor(now / 86_400_000)));
      accept(this.#recipient(), { kind: "notice", from: owner.networkId, type: "prekeys-low", id, t: now, attrs: { device: deviceId, count: String(remaining) }, device: deviceId }, now);
    }
    if (low.length > 0) await this.#fanOut(false, now);
    return { ok: true, bundles };
  }

  /**
   * Media proxy RPC, on the requester's object: one of this user's budget of fetches from
   * provider hosts (cache hits are free), so nobody can turn the proxy into a request pump.
   */
  async takeMediaFetch(): Promise<{ readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number }> {
    const now = Date.now();
    return this.#mediaFetchLimit.take(1, now) === 1 ? { ok: true } : { ok: false, retryAfterMs: this.#mediaFetchLimit.retryAfterMs(now) };
  }

  override async fetch(request: Request): Promise<Response> {
    const networkId = new URL(request.url).pathname.split("/").pop() ?? "";
    if (!isNetworkId(networkId)) return new Response("invalid network ID", { status: 400 });
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    // The Worker asked the enrollment index first; this holds even if something skipped it.
    if (!this.#schema.exists()) return Response.json({ error: "unknown-user", message: "no user is enrolled with this network ID" }, { status: 404 });
    // Fail before accepting a socket if the gateway is misconfigured.
    await gatewayIdentity(this.env);
    const now = Date.now();
    // Overdue ones go first (the alarm may run late), so they never count against the cap.
    this.#closeStaleHandshakes(now);
    const pending = this.ctx.getWebSockets().flatMap((ws) => awaitingHandshake(ws) ?? []);
    if (pending.length >= MAX_PENDING_HANDSHAKES) {
      const freeInMs = Math.min(...pending.map((a) => a.openedAtMs)) + HANDSHAKE_TIMEOUT_MS - now;
      const seconds = String(Math.max(1, Math.ceil(freeInMs / 1000)));
      const message = `${MAX_PENDING_HANDSHAKES} connections to this user are already waiting for their handshake`;
      return Response.json({ error: "too-many-pending-handshakes", message }, { status: 429, headers: { "Retry-After": seconds } });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    writeAttachment(server, { phase: "awaiting-hello", networkId, openedAtMs: now });
    await this.#alarmBy(now + HANDSHAKE_TIMEOUT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: ArrayBuffer | string): Promise<void> {
    // fetch() accepts sockets only once the schema exists; checking here also completes it after a wake.
    if (!this.#schema.exists()) return closeSocket(ws, CloseCode.INTERNAL_ERROR, "no such user");
    await this.#queue.run(ws, async () => {
      const identity = await gatewayIdentity(this.env);
      await handleFrame(ws, message, {
        env: this.env,
        identity,
        devices: this.#devices,
        now: Date.now,
        onOpen: async (socket) => {
          const attachment = readAttachment(socket);
          if (attachment?.phase !== "open") return;
          // One live session per device: two would both receive, and either could ack for the other.
          for (const other of this.#openSockets()) {
            if (other.ws !== socket && other.attachment.deviceId === attachment.deviceId) {
              try {
                other.ws.close(CloseCode.SESSION_REPLACED, "a newer session of this device connected");
              } catch {
                // Already closed.
              }
            }
          }
          this.#push.cancel(attachment.deviceId);
          await flushInbox(socket, this.#inbox);
        },
        onStanzas: async (socket, attachment, payloads) => {
          const outcome = await routeStanzas(this.#routerContext(socket, attachment), payloads);
          // Rows held for this ack go out now, behind this frame's answers.
          if (outcome.acked && ackArrived(socket, outcome.acked)) this.#scheduleFlush(socket);
          return outcome;
        },
      });
    });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      // Complete the closing handshake; 1005/1006 are reserved and cannot be sent back.
      ws.close(code === 1005 || code === 1006 ? CloseCode.NORMAL : code, reason);
    } catch {
      // Already closed.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(CloseCode.INTERNAL_ERROR, "socket error");
    } catch {
      // Already closed.
    }
  }

  /** One alarm serves three clocks: handshake deadlines, push retries and inbox expiry. Runs at least once per schedule. */
  override async alarm(): Promise<void> {
    // Sockets, pushes and inbox rows all need an enrolled user: a never-enrolled object has none.
    if (!this.#schema.exists()) return;
    const now = Date.now();
    this.#closeStaleHandshakes(now);
    await this.#sendDuePushes(now);
    await this.#expireInbox(now);
    await this.#groupAccess.pushDevices(now);
    await this.#scheduleAlarm();
  }

  #recipient() {
    return { devices: this.#devices, consent: this.#consent, inbox: this.#inbox };
  }

  #groupRecipient() {
    return { ...this.#recipient(), groups: this.#groups };
  }

  /**
   * Deliveries to the users this one writes to, through a stub kept per recipient (naming a
   * stub hashes the name; a conversation names the same one for every message). A stub whose
   * call failed is dropped: the runtime may have broken it, and a fresh one costs little.
   */
  async #deliverRemote(to: string, envelopes: readonly Envelope[]): Promise<DeliveryResult[]> {
    let stub = this.#peers.get(to);
    if (!stub) {
      if (this.#peers.size >= MAX_PEER_STUBS) this.#peers.delete(this.#peers.keys().next().value!);
      this.#peers.set(to, (stub = this.#userStub(to)));
    }
    try {
      return await stub.deliverMany(envelopes);
    } catch (err) {
      this.#peers.delete(to);
      throw err;
    }
  }

  /**
   * Removes one of this user's devices. In one transaction its registry row, inbox rows,
   * pending push and prekeys go, the device list gets a new version for the groups, and the
   * other devices get a notice; then its sessions end (but `asking`, which ends once answered),
   * its published bundle leaves KV and the groups hear of the new list. A device removed
   * before is answered the same again (a resent request), repeating only the KV delete.
   */
  async #removeDevice(deviceId: string, asking: WebSocket | null): Promise<DeviceRemoval> {
    const owner = this.#devices.owner();
    if (!owner) return { ok: false, reason: "not-found" };
    const now = Date.now();
    const removed = this.ctx.storage.transactionSync(() => {
      if (!this.#devices.remove(deviceId, now)) return false;
      this.#inbox.forgetDevice(deviceId);
      this.#push.cancel(deviceId);
      this.#prekeys.forget(deviceId);
      const version = this.#groups.devicesChanged(now);
      const id = noticeId("device-removed", owner.networkId, deviceId, String(version));
      accept(this.#recipient(), { kind: "notice", from: owner.networkId, type: "device-removed", id, t: now, attrs: { device: deviceId } }, now);
      return true;
    });
    if (!removed && !this.#devices.wasRemoved(deviceId)) return { ok: false, reason: "not-found" };
    if (removed) {
      for (const { ws, attachment } of this.#openSockets()) {
        if (ws !== asking && attachment.deviceId === deviceId) closeSocket(ws, CloseCode.DEVICE_REMOVED, "this device was removed");
      }
    }
    await this.env.BUNDLES.delete(`bundle:${owner.networkId}:${deviceId}`);
    if (removed) {
      await this.#fanOut(false, now);
      await this.#groupAccess.pushDevices(now);
      await this.#scheduleAlarm();
    }
    return { ok: true, devices: this.#devices.deviceIds() };
  }

  #userStub(networkId: string) {
    return this.env.USERS.get(this.env.USERS.idFromName(networkId));
  }

  /**
   * Publishes a device's public bundle for edge reads. A new identity key (a first upload, or
   * a reinstall) is announced to the owner's devices, which copy what they send to each other;
   * one that replaced another also to the users that fetched this user's bundles.
   */
  async #keysUploaded(networkId: string, deviceId: string, change: { identityChanged: boolean; newIdentity: boolean }): Promise<void> {
    const bundle = this.#prekeys.published(deviceId);
    if (bundle) await this.env.BUNDLES.put(`bundle:${networkId}:${deviceId}`, JSON.stringify(publishedBundleJson(bundle)));
    if (!change.newIdentity) return;
    const now = Date.now();
    const identity = this.#prekeys.identityKey(deviceId);
    const id = noticeId("identity-changed", networkId, deviceId, identity ? bytesToBase64Url(identity) : "");
    const notice: Envelope = { kind: "notice", from: networkId, type: "identity-changed", id, t: now, attrs: { device: deviceId } };
    // Stored before the upload is answered, like every notice; the uploading device gets it too and ignores it.
    await this.deliverMany([notice]);
    if (!change.identityChanged) return;
    const fetchers = this.#prekeys.fetchers().filter((f) => f !== networkId);
    // Best effort per peer: one unreachable peer must not fail the owner's upload.
    await Promise.allSettled(fetchers.map((f) => this.#userStub(f).deliver(notice)));
  }

  #routerContext(socket: WebSocket, attachment: OpenAttachment) {
    return {
      env: this.env,
      networkId: attachment.networkId,
      deviceId: attachment.deviceId,
      nowMs: Date.now(),
      devices: this.#devices,
      consent: this.#consent,
      inbox: this.#inbox,
      senderLimit: this.#senderLimit,
      lookupLimit: this.#lookupLimit,
      providerQuota: this.#providerQuota,
      deliverTo: async (to: string, envelopes: readonly Envelope[]): Promise<readonly DeliveryResult[]> => {
        if (to === attachment.networkId) return this.deliverMany(envelopes);
        // Asked before the stub is called: calling it would give a never-enrolled name an object.
        if ((await enrolledProvider(this.env.DIRECTORY, to)) === null) return envelopes.map(() => UNKNOWN_RECIPIENT);
        return this.#deliverRemote(to, envelopes);
      },
      prekeys: this.#prekeys,
      claimBundles: async (user: string): Promise<ClaimResult> => {
        const fetcher = { networkId: attachment.networkId, provider: this.#devices.owner()?.providerId ?? "" };
        if (user === attachment.networkId) return this.claimBundles(fetcher);
        if ((await enrolledProvider(this.env.DIRECTORY, user)) === null) return UNKNOWN_RECIPIENT;
        return this.#userStub(user).claimBundles(fetcher);
      },
      keysUploaded: (deviceId: string, change: { identityChanged: boolean; newIdentity: boolean }) => this.#keysUploaded(attachment.networkId, deviceId, change),
      groups: this.#groupAccess,
      removeDevice: (deviceId: string) => this.#removeDevice(deviceId, socket),
      messageAccepted: (to: string) => this.#groups.addContact(to, Date.now()),
    };
  }

  #openSockets(): { ws: WebSocket; attachment: OpenAttachment }[] {
    return this.ctx
      .getWebSockets()
      .map((ws) => ({ ws, attachment: readAttachment(ws) }))
      .filter((s): s is { ws: WebSocket; attachment: OpenAttachment } => s.attachment?.phase === "open");
  }

  /** Sends new inbox rows to connected devices; schedules a push for offline ones (messages only). */
  async #fanOut(pushOffline: boolean, now: number): Promise<void> {
    const open = this.#openSockets();
    const fresh = this.#inbox.takeFresh();
    for (const { ws, attachment } of open) {
      if (fresh.complete) offerLive(ws, fresh.rows.filter((r) => r.deviceId === attachment.deviceId));
      else forgetLive(ws);
      if (!holdsLive(ws)) this.#scheduleFlush(ws);
      else if (!this.#holdTimers.has(ws)) {
        this.#holdTimers.set(ws, setTimeout(() => this.#scheduleFlush(ws), ACK_WAIT_MS));
      }
    }
    if (!pushOffline) return;
    const online = new Set(open.map((s) => s.attachment.deviceId));
    const offline = this.#devices.deviceIds().filter((d) => !online.has(d));
    for (const deviceId of offline) this.#push.schedule(deviceId, now);
    if (offline.length > 0) await this.#scheduleAlarm();
  }

  /** Queues a live-delivery flush for a socket; one waiting in its queue already reads every row. */
  #scheduleFlush(ws: WebSocket): void {
    const timer = this.#holdTimers.get(ws);
    if (timer !== undefined) clearTimeout(timer);
    this.#holdTimers.delete(ws);
    if (this.#flushWaiting.has(ws)) return;
    this.#flushWaiting.add(ws);
    const flush = () => {
      this.#flushWaiting.delete(ws);
      return flushInbox(ws, this.#inbox);
    };
    void this.#queue.run(ws, flush).catch((err) => console.warn("live delivery failed; the row stays queued", err));
  }

  #deliverEphemeral(e: Extract<Envelope, { kind: "ephemeral" }>): DeliveryResult {
    if (!this.#devices.owner()) return { ok: false, code: "unknown-recipient", text: "no such user" };
    if (this.#consent.admits(e.from, e.fromProvider) !== "ok") return { ok: false, code: "recipient-refused", text: "the recipient does not accept stanzas from the sender" };
    // Presence and chat states are worth nothing later: sent to whoever is online now, never stored.
    for (const { ws } of this.#openSockets()) {
      void this.#queue.run(ws, () => sendStanza(ws, ephemeral(e.stanza, e.from, { ...e.attrs }))).catch(() => undefined);
    }
    return { ok: true, duplicate: false };
  }

  #closeStaleHandshakes(now: number): void {
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = awaitingHandshake(ws);
      if (attachment && attachment.openedAtMs + HANDSHAKE_TIMEOUT_MS <= now) closeSocket(ws, CloseCode.HANDSHAKE_TIMEOUT, "handshake not completed in time");
    }
  }

  async #sendDuePushes(now: number): Promise<void> {
    const due = this.#push.due(now);
    if (due.length === 0) return;
    const owner = this.#devices.owner();
    const provider = owner ? await new ProviderRegistry(this.env.PROVIDERS).get(owner.providerId) : null;
    for (const push of due) {
      if (!owner || !provider?.pushWebhook) {
        this.#push.done(push); // nowhere to push to: the backlog waits for the device
        continue;
      }
      const outcome = await sendPush(
        provider.pushWebhook,
        { type: "pending-messages", eventId: push.eventId, networkId: owner.networkId, deviceId: push.deviceId, pending: push.pending, firstPendingAt: push.firstPendingAt },
        now,
      );
      if (outcome === "retry") this.#push.retry(push, now);
      else this.#push.done(push);
      if (outcome === "rejected") console.warn(`push for ${push.deviceId} rejected by ${provider.id}`);
    }
  }

  /** Expired rows are removed only after their sender was told, so the notice survives a failed call. */
  async #expireInbox(now: number): Promise<void> {
    const owner = this.#devices.owner();
    for (const row of this.#inbox.expired(now)) {
      if (row.notifySender && owner) {
        try {
          const envelope: Envelope = {
            kind: "notice",
            from: owner.networkId,
            type: "expired",
            id: noticeId("expired", row.key, row.deviceId),
            t: now,
            attrs: { message: row.key, device: row.deviceId },
          };
          const result = await (row.sender === owner.networkId ? this.deliver(envelope) : this.env.USERS.get(this.env.USERS.idFromName(row.sender)).deliver(envelope));
          if (!result.ok && result.code === "internal") continue;
        } catch (err) {
          console.warn("expiry notice failed; retrying at the next alarm", err);
          continue;
        }
      }
      this.#inbox.remove([row.seq]);
    }
  }

  /**
   * For one new deadline: an alarm already set no later than it stands (it is never later
   * than any older deadline), so only a later or missing one needs the full computation.
   */
  async #alarmBy(deadline: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > deadline) await this.#scheduleAlarm();
  }

  /** Sets the alarm to the earliest pending deadline, unless an earlier alarm is already set. */
  async #scheduleAlarm(): Promise<void> {
    const now = Date.now();
    // Each queue's earliest (perhaps a failed, overdue item) and its next one still ahead.
    const deadlines = [this.#push.nextAttempt(), this.#push.nextAttempt(now), this.#inbox.nextExpiry(), this.#inbox.nextExpiry(now), this.#groups.nextSync()];
    // Closed sockets are skipped: one the peer has not let go of yet would count as a failed deadline.
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = awaitingHandshake(ws);
      if (attachment) deadlines.push(attachment.openedAtMs + HANDSHAKE_TIMEOUT_MS);
    }
    const at = nextAlarmAt(deadlines, now, RETRY_DUE_MS);
    if (at === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
