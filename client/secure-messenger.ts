import { decodeContent, encodeContent, type Content, type ContentBody } from "../protocol/content.ts";
import { base64UrlToBytes, bytesToBase64 } from "../protocol/bytes.ts";
import { readBundle, keyUploadElement, type Enc, type PairwiseEnc, type WireBundle } from "../protocol/stanzas/index.ts";
import { element } from "../protocol/xml/index.ts";
import {
  DecryptError,
  SessionCipher,
  generateKyberPreKey,
  generatePreKeys,
  generateSignedPreKey,
  processPreKeyBundle,
  type MemorySignalStore,
} from "./e2ee/index.ts";
import { Emitter } from "./events.ts";
import { GroupMessenger, type PairwiseChannel } from "./groups/group-messenger.ts";
import { MemoryGroupStore, type GroupStore } from "./groups/group-store.ts";
import { NackError, newStanzaId, type IncomingMessage, type Messenger } from "./messenger.ts";

/** Keep this many one-time keys at the gateway; top up when it says they run low. */
const PREKEY_BATCH = 50;
const KYBER_BATCH = 10;
/** Sent contents are kept this long so a recipient's retry request can be served. */
const RETRY_WINDOW_MS = 10 * 60_000;

export interface ReceivedContent {
  readonly from: string;
  readonly fromDevice: string;
  readonly content: Content;
}

export interface SecureMessengerEvents extends Record<string, unknown> {
  /** A peer device presented a different identity key than before (reinstall, or an attack: show it). */
  identityChanged: { readonly address: string };
  /** A message could not be decrypted; a retry was requested from its sender. */
  decryptFailed: { readonly from: string; readonly fromDevice: string; readonly id: string; readonly reason: string };
}

const address = (networkId: string, deviceId: string) => `${networkId}.${deviceId}`;
const randomId = () => 1 + (crypto.getRandomValues(new Uint32Array(1))[0]! % 0xfffffe);

/**
 * End-to-end encryption on top of a Messenger: publishes this device's prekeys, encrypts
 * content for every device of a recipient (fetching bundles for devices it has no session
 * with), decrypts what arrives, and repairs broken sessions through retry receipts.
 */
export class SecureMessenger extends Emitter<SecureMessengerEvents> {
  #onContent: (c: ReceivedContent) => void | Promise<void> = () => undefined;
  /** Per recipient user: the devices the gateway last told us about. */
  readonly #devices = new Map<string, string[]>();
  /** By stanza ID: what was sent, so a retry request can be served once. */
  readonly #sent = new Map<string, { to: string; content: Content; at: number; retried: boolean }>();
  /** Group chats over the same sessions (client/groups/). */
  readonly groups: GroupMessenger;

  constructor(
    readonly messenger: Messenger,
    readonly store: MemorySignalStore,
    readonly self: { readonly networkId: string; readonly deviceId: string },
    /** `inlineKeyBudget`: see INLINE_KEY_BUDGET (0 sends every sender key 1:1). */
    options: { readonly groupStore?: GroupStore; readonly inlineKeyBudget?: number } = {},
  ) {
    super();
    this.groups = new GroupMessenger(messenger, this.#pairwise(), options.groupStore ?? new MemoryGroupStore(), self, options.inlineKeyBudget);
    messenger.onMessage((m) => this.#receive(m));
    messenger.onReceipt(async (r) => {
      if (r.type === "retry" && !(await this.groups.serveRetry(r.from, r.fromDevice, r.id))) await this.#serveRetry(r.from, r.fromDevice, r.id);
    });
    messenger.onNotification(async (n) => {
      if (await this.groups.handleNotification(n)) return;
      if (n.type === "prekeys-low" && n.attrs.device === self.deviceId) await this.uploadOneTimeKeys();
      // One of our own devices is new or reinstalled: learn the list again before the next copy.
      if (n.type === "identity-changed" && n.from === self.networkId && n.attrs.device !== self.deviceId) this.#devices.delete(self.networkId);
      if (n.type === "device-removed" && n.from === self.networkId) this.#devices.delete(self.networkId);
    });
  }

  onContent(handler: (c: ReceivedContent) => void | Promise<void>): void {
    this.#onContent = handler;
  }

  /** First upload: identity, signed prekey, last-resort Kyber key and a batch of one-time keys. */
  async publishKeys(): Promise<void> {
    const identity = this.store.identity();
    const signed = generateSignedPreKey(identity, randomId());
    const lastResort = generateKyberPreKey(identity, randomId(), true);
    this.store.storeSignedPreKey(signed);
    this.store.storeKyberPreKey(lastResort);
    await this.#upload({
      registrationId: this.store.registrationId(),
      identityKey: identity.publicKey,
      signedPreKey: { id: signed.id, publicKey: signed.keyPair.publicKey, signature: signed.signature },
      lastResortKyber: { id: lastResort.id, publicKey: lastResort.publicKey, signature: lastResort.signature },
    });
  }

  /** Top-up: more one-time EC and Kyber prekeys under the current identity. */
  async uploadOneTimeKeys(): Promise<void> {
    await this.#upload({});
  }

  async #upload(base: Partial<Parameters<typeof keyUploadElement>[0]>): Promise<void> {
    const identity = this.store.identity();
    const preKeys = generatePreKeys(randomId(), PREKEY_BATCH);
    const kyber = Array.from({ length: KYBER_BATCH }, () => generateKyberPreKey(identity, randomId(), false));
    for (const k of preKeys) this.store.storePreKey(k);
    for (const k of kyber) this.store.storeKyberPreKey(k);
    await this.messenger.iq(
      "set",
      keyUploadElement({
        ...base,
        preKeys: preKeys.map((k) => ({ id: k.id, publicKey: k.keyPair.publicKey })),
        kyberPreKeys: kyber.map((k) => ({ id: k.id, publicKey: k.publicKey, signature: k.signature })),
      }),
    );
  }

  /**
   * Encrypts `body` for every device of `to` and sends it, then a copy (with `sentTo`) to this
   * user's own other devices, so each of them shows the conversation whole; resolves once the
   * gateway stored both.
   */
  async send(to: string, body: ContentBody, replyTo?: Content["replyTo"]): Promise<Content> {
    const content: Content = { id: newStanzaId(), sentAtMs: Date.now(), body, replyTo };
    await this.#sendContent(to, content, content.id);
    this.#remember(content.id, to, content, false);
    if (to !== this.self.networkId) await this.#copyToOwnDevices({ ...content, sentTo: to });
    return content;
  }

  async #copyToOwnDevices(copy: Content): Promise<void> {
    const own = this.#devices.get(this.self.networkId) ?? (await this.#refreshDevices(this.self.networkId));
    if (own.length === 0) return;
    const stanzaId = newStanzaId();
    await this.#sendContent(this.self.networkId, copy, stanzaId);
    this.#remember(stanzaId, this.self.networkId, copy, false);
  }

  #remember(stanzaId: string, to: string, content: Content, retried: boolean): void {
    const now = Date.now();
    for (const [id, s] of this.#sent) if (now - s.at > RETRY_WINDOW_MS) this.#sent.delete(id);
    this.#sent.set(stanzaId, { to, content, at: now, retried });
  }

  async #sendContent(to: string, content: Content, stanzaId: string, freshSessionFor?: string): Promise<void> {
    const plaintext = encodeContent(content);
    // The gateway refuses an enc list that does not match the recipient's devices and says
    // which devices exist: fetch what is missing and try again, at most twice.
    for (let attempt = 0; ; attempt++) {
      const devices = this.#devices.get(to) ?? (await this.#refreshDevices(to));
      const missing = devices.filter((d) => d === freshSessionFor || !new SessionCipher(this.store, address(to, d)).hasSession());
      if (missing.length > 0) await this.#establish(to, missing);
      freshSessionFor = undefined;
      const encs: Enc[] = devices.map((device) => {
        const { type, body } = new SessionCipher(this.store, address(to, device)).encrypt(plaintext);
        return { device, type, payload: bytesToBase64(body) };
      });
      try {
        // A nacked stanza was not stored, so its ID can be used again.
        await this.messenger.sendMessage(to, encs, stanzaId);
        return;
      } catch (err) {
        if (!(err instanceof NackError) || err.code !== "device-list-mismatch" || attempt >= 2) throw err;
        this.#devices.set(to, (err.attrs.devices ?? "").split(" ").filter(Boolean));
      }
    }
  }

  async #refreshDevices(to: string): Promise<string[]> {
    // Our own list leaves this device out: the gateway expects copies for the others only.
    const bundles = (await this.#fetchBundles(to)).filter((b) => to !== this.self.networkId || b.deviceId !== this.self.deviceId);
    for (const b of bundles) if (!new SessionCipher(this.store, address(to, b.deviceId)).hasSession()) this.#process(to, b);
    const devices = bundles.map((b) => b.deviceId);
    this.#devices.set(to, devices);
    return devices;
  }

  async #establish(to: string, deviceIds: readonly string[]): Promise<void> {
    const bundles = await this.#fetchBundles(to);
    for (const b of bundles) if (deviceIds.includes(b.deviceId)) this.#process(to, b);
  }

  #process(to: string, bundle: WireBundle): void {
    const { identityChanged } = processPreKeyBundle(this.store, address(to, bundle.deviceId), bundle);
    if (identityChanged) this.emit("identityChanged", { address: address(to, bundle.deviceId) });
  }

  async #fetchBundles(user: string): Promise<WireBundle[]> {
    const result = await this.messenger.iq("get", element("bundles", { user }));
    return (result.children[0]?.children ?? []).map(readBundle);
  }

  /** The pairwise sessions, as groups use them to carry sender keys. */
  #pairwise(): PairwiseChannel {
    return {
      encryptFor: async (addresses, plaintext) => {
        const byUser = new Map<string, string[]>();
        for (const a of addresses) {
          const dot = a.lastIndexOf(".");
          const user = a.slice(0, dot);
          byUser.set(user, [...(byUser.get(user) ?? []), a.slice(dot + 1)]);
        }
        const encs: PairwiseEnc[] = [];
        for (const [user, devices] of byUser) {
          const missing = devices.filter((d) => !new SessionCipher(this.store, address(user, d)).hasSession());
          if (missing.length > 0) await this.#establish(user, missing);
          for (const device of devices) {
            const { type, body } = new SessionCipher(this.store, address(user, device)).encrypt(plaintext);
            encs.push({ to: user, device, type, payload: bytesToBase64(body) });
          }
        }
        return encs;
      },
      send: async (to, content, freshSessionFor) => {
        // Its own stanza ID: a group message resent 1:1 keeps its content ID, and the gateway
        // would take the stanza ID for a resend of the group message.
        const stanzaId = newStanzaId();
        await this.#sendContent(to, content, stanzaId, freshSessionFor);
        this.#remember(stanzaId, to, content, freshSessionFor !== undefined);
      },
      decrypt: (from, fromDevice, enc) => this.#decrypt(from, fromDevice, enc),
      hasSession: (a) => new SessionCipher(this.store, a).hasSession(),
    };
  }

  #decrypt(from: string, fromDevice: string, enc: Enc): Content {
    const body = base64UrlToBytes(enc.payload);
    const result = new SessionCipher(this.store, address(from, fromDevice)).decryptWithInfo(enc.type === "pkmsg" ? "pkmsg" : "msg", body);
    if (result.identityChanged) this.emit("identityChanged", { address: address(from, fromDevice) });
    return decodeContent(result.plaintext);
  }

  async #receive(m: IncomingMessage): Promise<void> {
    if (m.group) return this.groups.receive(m);
    let content: Content;
    try {
      content = this.#decrypt(m.from, m.fromDevice, m.enc);
    } catch (err) {
      // Undecryptable: ask the sender to encrypt again on a fresh session. The stanza is still
      // acked (by returning normally), so the gateway does not redeliver what can never decrypt.
      // A duplicate was decrypted once already: asking again would deliver it twice.
      const reason = err instanceof DecryptError ? err.reason : (err as Error).message;
      this.emit("decryptFailed", { from: m.from, fromDevice: m.fromDevice, id: m.id, reason });
      if (reason !== "duplicate") await this.messenger.sendReceipt(m.from, m.id, "retry");
      return;
    }
    if (content.group !== undefined) return this.groups.receivePairwise(m.from, m.fromDevice, content);
    await this.#onContent({ from: m.from, fromDevice: m.fromDevice, content });
  }

  /** Re-encrypts once, on a fresh session with the failing device, under a new stanza ID (the first was accepted). */
  async #serveRetry(from: string, fromDevice: string, stanzaId: string): Promise<void> {
    const sent = this.#sent.get(stanzaId);
    if (!sent || sent.retried || sent.to !== from) return;
    sent.retried = true;
    const again = newStanzaId();
    await this.#sendContent(from, sent.content, again, fromDevice);
    this.#remember(again, from, sent.content, true);
  }
}
