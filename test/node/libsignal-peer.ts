// A libsignal client on a Parley gateway, as an app built on @signalapp/libsignal-client would
// be: libsignal generates and stores its keys, sessions run through libsignal's own
// processPreKeyBundle / signalEncrypt / signalDecrypt(PreKey), and Parley's Messenger carries
// the bytes (base64 in <enc>, the Content protobuf inside, exactly as SecureMessenger does).
// Test oracle only (Node, AGPL): nothing under client/ may import this.
import * as signal from "@signalapp/libsignal-client";
import { Messenger, ParleyConnection, newStanzaId, type IncomingMessage, type IncomingReceipt } from "../../client/index.ts";
import { decodeSpqrMessage } from "../../client/signal/spqr/wire.ts";
import { decodePreKeySignalMessage, decodeSignalMessage } from "../../client/signal/wire/index.ts";
import { decodeContent, encodeContent, type Content, type ContentBody } from "../../protocol/content.ts";
import { keyUploadElement, readBundle, type Enc, type WireBundle } from "../../protocol/stanzas/index.ts";
import { element } from "../../protocol/xml/index.ts";
import type { DevGateway, NodeDevice } from "./dev-gateway.ts";

const copy = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
export const fromB64 = (s: string): Uint8Array<ArrayBuffer> => copy(Buffer.from(s, "base64"));

/** Items in arrival order; `next` waits for one. The wait is bounded only so a hang names what was awaited. */
export class Mailbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  get size(): number {
    return this.#items.length;
  }

  next(what = "an item", waitMs = 20_000): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(deliver), 1);
        reject(new Error(`waited ${waitMs / 1000} s for ${what}`));
      }, waitMs);
      const deliver = (v: T) => {
        clearTimeout(timer);
        resolve(v);
      };
      this.#waiters.push(deliver);
    });
  }

  async take(count: number, what = "items"): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(`${what} (${i + 1} of ${count})`));
    return out;
  }
}

/** The SPQR epoch a message's field 5 names (libsignal writes field 5 in every v4 message). */
export function spqrEpochOf(type: string, body: Uint8Array): bigint {
  const message = type === "pkmsg" ? decodePreKeySignalMessage(body).signalMessage : decodeSignalMessage(body);
  return decodeSpqrMessage(message.pqRatchet).epoch;
}

/** libsignal's stores, in memory. Missing keys throw (libsignal then refuses the message), one-time Kyber keys are deleted once used. */
class PeerStores {
  readonly sessions = new Map<string, signal.SessionRecord>();
  readonly identities = new Map<string, signal.PublicKey>();
  readonly preKeys = new Map<number, signal.PreKeyRecord>();
  readonly signedPreKeys = new Map<number, signal.SignedPreKeyRecord>();
  readonly kyberPreKeys = new Map<number, { record: signal.KyberPreKeyRecord; lastResort: boolean }>();
  /** What every saveIdentity returned, in order: the test reads identity changes from here. */
  readonly identityChanges: { address: string; change: signal.IdentityChange }[] = [];
  readonly identity = signal.IdentityKeyPair.generate();
  readonly registrationId = 1 + Math.floor(Math.random() * 16000);

  readonly session: signal.SessionStore;
  readonly identityStore: signal.IdentityKeyStore;
  readonly preKeyStore: signal.PreKeyStore;
  readonly signedPreKeyStore: signal.SignedPreKeyStore;
  readonly kyberPreKeyStore: signal.KyberPreKeyStore;

  constructor() {
    const s = this;
    this.session = new (class extends signal.SessionStore {
      async saveSession(a: signal.ProtocolAddress, r: signal.SessionRecord) {
        s.sessions.set(a.toString(), r);
      }
      async getSession(a: signal.ProtocolAddress) {
        return s.sessions.get(a.toString()) ?? null;
      }
      async getExistingSessions(as: signal.ProtocolAddress[]) {
        return as.map((a) => found(s.sessions.get(a.toString()), `session ${a.toString()}`));
      }
    })();
    this.identityStore = new (class extends signal.IdentityKeyStore {
      async getIdentityKey() {
        return s.identity.privateKey;
      }
      async getLocalRegistrationId() {
        return s.registrationId;
      }
      async saveIdentity(a: signal.ProtocolAddress, key: signal.PublicKey) {
        const old = s.identities.get(a.toString());
        s.identities.set(a.toString(), key);
        const change = old && !old.equals(key) ? signal.IdentityChange.ReplacedExisting : signal.IdentityChange.NewOrUnchanged;
        s.identityChanges.push({ address: a.toString(), change });
        return change;
      }
      async isTrustedIdentity() {
        return true;
      }
      async getIdentity(a: signal.ProtocolAddress) {
        return s.identities.get(a.toString()) ?? null;
      }
    })();
    this.preKeyStore = new (class extends signal.PreKeyStore {
      async savePreKey(id: number, r: signal.PreKeyRecord) {
        s.preKeys.set(id, r);
      }
      async getPreKey(id: number) {
        return found(s.preKeys.get(id), `one-time prekey ${id}`);
      }
      async removePreKey(id: number) {
        s.preKeys.delete(id);
      }
    })();
    this.signedPreKeyStore = new (class extends signal.SignedPreKeyStore {
      async saveSignedPreKey(id: number, r: signal.SignedPreKeyRecord) {
        s.signedPreKeys.set(id, r);
      }
      async getSignedPreKey(id: number) {
        return found(s.signedPreKeys.get(id), `signed prekey ${id}`);
      }
    })();
    this.kyberPreKeyStore = new (class extends signal.KyberPreKeyStore {
      async saveKyberPreKey(id: number, record: signal.KyberPreKeyRecord) {
        s.kyberPreKeys.set(id, { record, lastResort: false });
      }
      async getKyberPreKey(id: number) {
        return found(s.kyberPreKeys.get(id), `Kyber prekey ${id}`).record;
      }
      async markKyberPreKeyUsed(id: number) {
        if (s.kyberPreKeys.get(id)?.lastResort === false) s.kyberPreKeys.delete(id);
      }
    })();
  }
}

function found<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`libsignal store: no ${what}`);
  return v;
}

export interface UploadedKeys {
  readonly signedPreKeyId: number;
  readonly lastResortKyberId: number;
  readonly preKeyIds: readonly number[];
  readonly kyberPreKeyIds: readonly number[];
}

export interface SentContent {
  readonly stanzaId: string;
  readonly content: Content;
  readonly enc: Enc;
}

/** The libsignal bundle for a Parley bundle; `withoutPreKey` leaves the one-time EC prekey out, as a client may. */
export function libsignalBundle(b: WireBundle, options: { withoutPreKey?: boolean } = {}): signal.PreKeyBundle {
  const preKey = options.withoutPreKey ? undefined : b.preKey;
  return signal.PreKeyBundle.new(
    b.registrationId,
    1,
    preKey?.id ?? null,
    preKey ? signal.PublicKey.deserialize(copy(preKey.publicKey)) : null,
    b.signedPreKey.id,
    signal.PublicKey.deserialize(copy(b.signedPreKey.publicKey)),
    copy(b.signedPreKey.signature),
    signal.PublicKey.deserialize(copy(b.identityKey)),
    b.kyberPreKey.id,
    signal.KEMPublicKey.deserialize(copy(b.kyberPreKey.publicKey)),
    copy(b.kyberPreKey.signature),
  );
}

let nextKeyId = 1;

export class LibsignalPeer {
  #stores = new PeerStores();
  readonly #sent = new Map<string, { to: string; content: Content }>();
  /** Every message delivered to this device, undecrypted, in arrival order. */
  readonly inbox = new Mailbox<IncomingMessage>();
  readonly receipts = new Mailbox<IncomingReceipt>();

  private constructor(
    readonly device: NodeDevice,
    readonly conn: ParleyConnection,
    readonly messenger: Messenger,
  ) {
    messenger.onMessage((m) => this.inbox.push(m));
    messenger.onReceipt((r) => this.receipts.push(r));
  }

  static async online(gateway: DevGateway, device: NodeDevice): Promise<LibsignalPeer> {
    const conn = new ParleyConnection({ gatewayUrl: gateway.base, ...device, rootKey: gateway.rootKey, keepaliveMs: 0, reconnect: false });
    const peer = new LibsignalPeer(device, conn, new Messenger(conn));
    await conn.connect();
    return peer;
  }

  get networkId(): string {
    return this.device.networkId;
  }

  /** What saveIdentity returned, for every identity libsignal recorded. */
  get identityChanges(): readonly { address: string; change: signal.IdentityChange }[] {
    return this.#stores.identityChanges;
  }

  get identityKey(): Uint8Array {
    return this.#stores.identity.publicKey.serialize();
  }

  hasKyberPreKey(id: number): boolean {
    return this.#stores.kyberPreKeys.has(id);
  }

  hasPreKey(id: number): boolean {
    return this.#stores.preKeys.has(id);
  }

  /** libsignal addresses need a numeric device; Parley's device ID goes into the name instead. */
  #address(networkId: string, deviceId: string): signal.ProtocolAddress {
    return signal.ProtocolAddress.new(`${networkId}.${deviceId}`, 1);
  }

  get #self(): signal.ProtocolAddress {
    return this.#address(this.device.networkId, this.device.deviceId);
  }

  /** A full first upload of libsignal-generated keys: identity, signed prekey, last-resort Kyber key and one-time keys. */
  async uploadKeys(counts: { preKeys: number; kyberPreKeys: number }): Promise<UploadedKeys> {
    const s = this.#stores;
    const sign = (bytes: Uint8Array<ArrayBuffer>) => s.identity.privateKey.sign(bytes);
    const signed = signal.PrivateKey.generate();
    const signedPub = signed.getPublicKey().serialize();
    const signedPreKey = { id: nextKeyId++, publicKey: signedPub, signature: sign(signedPub) };
    s.signedPreKeys.set(signedPreKey.id, signal.SignedPreKeyRecord.new(signedPreKey.id, Date.now(), signed.getPublicKey(), signed, signedPreKey.signature));
    const kyber = (lastResort: boolean) => {
      const pair = signal.KEMKeyPair.generate();
      const key = { id: nextKeyId++, publicKey: pair.getPublicKey().serialize(), signature: sign(pair.getPublicKey().serialize()) };
      s.kyberPreKeys.set(key.id, { record: signal.KyberPreKeyRecord.new(key.id, Date.now(), pair, key.signature), lastResort });
      return key;
    };
    const lastResortKyber = kyber(true);
    const kyberPreKeys = Array.from({ length: counts.kyberPreKeys }, () => kyber(false));
    const preKeys = Array.from({ length: counts.preKeys }, () => {
      const pair = signal.PrivateKey.generate();
      const id = nextKeyId++;
      s.preKeys.set(id, signal.PreKeyRecord.new(id, pair.getPublicKey(), pair));
      return { id, publicKey: pair.getPublicKey().serialize() };
    });
    await this.messenger.iq(
      "set",
      keyUploadElement({ registrationId: s.registrationId, identityKey: s.identity.publicKey.serialize(), signedPreKey, lastResortKyber, preKeys, kyberPreKeys }),
    );
    return { signedPreKeyId: signedPreKey.id, lastResortKyberId: lastResortKyber.id, preKeyIds: preKeys.map((k) => k.id), kyberPreKeyIds: kyberPreKeys.map((k) => k.id) };
  }

  /** A reinstall: a new identity and new keys for the same Parley device; every session and known identity is gone. */
  async reinstall(counts: { preKeys: number; kyberPreKeys: number }): Promise<UploadedKeys> {
    this.#stores = new PeerStores();
    return this.uploadKeys(counts);
  }

  /** Forgets the session with one device (a restored backup, a wiped database), keeping identities and prekeys. */
  loseSession(networkId: string, deviceId: string): void {
    this.#stores.sessions.delete(this.#address(networkId, deviceId).toString());
  }

  hasSession(networkId: string, deviceId: string): boolean {
    return this.#stores.sessions.has(this.#address(networkId, deviceId).toString());
  }

  /** Bundles as the gateway hands them out (each fetch consumes a one-time EC and a one-time Kyber prekey). */
  async fetchBundles(user: string): Promise<WireBundle[]> {
    const result = await this.messenger.iq("get", element("bundles", { user }));
    return (result.children[0]?.children ?? []).map(readBundle);
  }

  async startSession(user: string, bundle: WireBundle, options: { withoutPreKey?: boolean } = {}): Promise<void> {
    const s = this.#stores;
    await signal.processPreKeyBundle(libsignalBundle(bundle, options), this.#address(user, bundle.deviceId), this.#self, s.session, s.identityStore);
  }

  /** Encrypts Content for one device with libsignal, as the payload of an <enc>. */
  async encrypt(to: string, deviceId: string, content: Content): Promise<Enc> {
    const s = this.#stores;
    const message = await signal.signalEncrypt(copy(encodeContent(content)), this.#address(to, deviceId), this.#self, s.session, s.identityStore);
    const type = message.type() === signal.CiphertextMessageType.PreKey ? "pkmsg" : "msg";
    return { device: deviceId, type, payload: b64(message.serialize()) };
  }

  static content(body: ContentBody): Content {
    return { id: newStanzaId(), sentAtMs: Date.now(), body };
  }

  /** Sends an already encrypted <enc> (one recipient device); remembered by stanza ID for retry receipts. */
  async sendEnc(to: string, enc: Enc, content: Content, stanzaId = newStanzaId()): Promise<SentContent> {
    await this.messenger.sendMessage(to, [enc], stanzaId);
    this.#sent.set(stanzaId, { to, content });
    return { stanzaId, content, enc };
  }

  async sendText(to: string, deviceId: string, text: string): Promise<SentContent> {
    const content = LibsignalPeer.content({ type: "text", text });
    return this.sendEnc(to, await this.encrypt(to, deviceId, content), content);
  }

  /** Decrypts a delivered message with libsignal and reads the Content in it. Throws what libsignal throws. */
  async decrypt(m: IncomingMessage): Promise<Content> {
    const s = this.#stores;
    const from = this.#address(m.from, m.fromDevice);
    const body = fromB64(m.enc.payload);
    const plaintext =
      m.enc.type === "pkmsg"
        ? await signal.signalDecryptPreKey(signal.PreKeySignalMessage.deserialize(body), from, this.#self, s.session, s.identityStore, s.preKeyStore, s.signedPreKeyStore, s.kyberPreKeyStore)
        : await signal.signalDecrypt(signal.SignalMessage.deserialize(body), from, this.#self, s.session, s.identityStore);
    return decodeContent(plaintext);
  }

  async receiveText(): Promise<string> {
    const content = await this.decrypt(await this.inbox.next("a message for the libsignal peer"));
    if (content.body.type !== "text") throw new Error(`expected text, got ${content.body.type}`);
    return content.body.text;
  }

  /** What a libsignal app does with a retry receipt: a fresh session from a new bundle, the same content encrypted again under a new stanza ID. */
  async answerRetry(receipt: IncomingReceipt): Promise<SentContent> {
    const sent = this.#sent.get(receipt.id);
    if (receipt.type !== "retry" || !sent || sent.to !== receipt.from) throw new Error(`no retry to serve for ${receipt.type} receipt ${receipt.id}`);
    const bundle = (await this.fetchBundles(receipt.from)).find((b) => b.deviceId === receipt.fromDevice);
    if (!bundle) throw new Error(`no bundle for ${receipt.from}.${receipt.fromDevice}`);
    await this.startSession(receipt.from, bundle);
    return this.sendEnc(receipt.from, await this.encrypt(receipt.from, receipt.fromDevice, sent.content), sent.content);
  }

  /** A retry receipt for a message this peer could not decrypt, as a libsignal app sends one. */
  async requestRetry(m: IncomingMessage): Promise<void> {
    await this.messenger.sendReceipt(m.from, m.id, "retry");
  }

  close(): void {
    this.conn.close();
  }
}
