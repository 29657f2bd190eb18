// The storage contract the application fulfils, and an in-memory implementation whose whole
// state can be exported as JSON (for tests, and for apps that persist one blob).
import { bytesToBase64Url, timingSafeEqual } from "../../protocol/bytes.ts";
import { StateFormatError } from "./errors.ts";
import type { IdentityKeyPair, KyberPreKeyRecord, PreKeyRecord, SignedPreKeyRecord } from "./keys.ts";
import { LEGACY_SESSION_RECORD_VERSION, type SessionRecord } from "./session-record.ts";
import {
  array,
  ecPublic,
  fail,
  keyPairFromJson,
  keyPairToJson,
  kyberPreKeyFromJson,
  kyberPreKeyToJson,
  object,
  preKeyFromJson,
  preKeyToJson,
  sessionRecordFromJson,
  sessionRecordToJson,
  signedPreKeyFromJson,
  signedPreKeyToJson,
  u32,
  type Json,
} from "./state-codec.ts";

/** Storage the application persists. Addresses are `${networkId}.${deviceId}`. */
export interface SignalStore {
  identity(): IdentityKeyPair;
  registrationId(): number;
  /** Trust on first use: records the key; returns true if it replaced a different one (identity changed). */
  saveIdentity(address: string, identityKey: Uint8Array): boolean;
  identityOf(address: string): Uint8Array | undefined;
  loadSession(address: string): SessionRecord | undefined;
  storeSession(address: string, record: SessionRecord): void;
  loadPreKey(id: number): PreKeyRecord | undefined;
  removePreKey(id: number): void;
  loadSignedPreKey(id: number): SignedPreKeyRecord | undefined;
  loadKyberPreKey(id: number): KyberPreKeyRecord | undefined;
  /** Removes a one-time Kyber prekey; keeps a last-resort one. */
  markKyberPreKeyUsed(id: number): void;
}

export const STORE_STATE_FORMAT = "parley-e2ee-store";
export const STORE_STATE_VERSION = 1;
/** Bounds on an import, far above any real use, so a hostile blob cannot exhaust memory. */
const MAX_ENTRIES = 100_000;

export class MemorySignalStore implements SignalStore {
  readonly #identity: IdentityKeyPair;
  readonly #registrationId: number;
  readonly #identities = new Map<string, Uint8Array>();
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #preKeys = new Map<number, PreKeyRecord>();
  readonly #signedPreKeys = new Map<number, SignedPreKeyRecord>();
  readonly #kyberPreKeys = new Map<number, KyberPreKeyRecord>();

  constructor(identity: IdentityKeyPair, registrationId: number) {
    this.#identity = identity;
    this.#registrationId = registrationId;
  }

  identity(): IdentityKeyPair {
    return this.#identity;
  }

  registrationId(): number {
    return this.#registrationId;
  }

  saveIdentity(address: string, identityKey: Uint8Array): boolean {
    const known = this.#identities.get(address);
    this.#identities.set(address, identityKey.slice());
    return known !== undefined && !timingSafeEqual(known, identityKey);
  }

  identityOf(address: string): Uint8Array | undefined {
    return this.#identities.get(address);
  }

  loadSession(address: string): SessionRecord | undefined {
    return this.#sessions.get(address);
  }

  storeSession(address: string, record: SessionRecord): void {
    this.#sessions.set(address, record);
  }

  storePreKey(record: PreKeyRecord): void {
    this.#preKeys.set(record.id, record);
  }

  loadPreKey(id: number): PreKeyRecord | undefined {
    return this.#preKeys.get(id);
  }

  removePreKey(id: number): void {
    this.#preKeys.delete(id);
  }

  storeSignedPreKey(record: SignedPreKeyRecord): void {
    this.#signedPreKeys.set(record.id, record);
  }

  loadSignedPreKey(id: number): SignedPreKeyRecord | undefined {
    return this.#signedPreKeys.get(id);
  }

  /** For rotation: drop a signed prekey once no peer can still be starting a session with it. */
  removeSignedPreKey(id: number): void {
    this.#signedPreKeys.delete(id);
  }

  storeKyberPreKey(record: KyberPreKeyRecord): void {
    this.#kyberPreKeys.set(record.id, record);
  }

  loadKyberPreKey(id: number): KyberPreKeyRecord | undefined {
    return this.#kyberPreKeys.get(id);
  }

  markKyberPreKeyUsed(id: number): void {
    if (this.#kyberPreKeys.get(id)?.lastResort === false) this.#kyberPreKeys.delete(id);
  }

  /** For rotation of last-resort keys (markKyberPreKeyUsed never removes those). */
  removeKyberPreKey(id: number): void {
    this.#kyberPreKeys.delete(id);
  }

  /** Counts, so the application knows when to upload more prekeys. */
  preKeyCount(): number {
    return this.#preKeys.size;
  }

  /** Everything, as JSON-serializable data (bytes as base64url). Contains private keys. */
  exportState(): Json {
    return {
      format: STORE_STATE_FORMAT,
      version: STORE_STATE_VERSION,
      identity: keyPairToJson(this.#identity),
      registrationId: this.#registrationId,
      identities: [...this.#identities].map(([address, key]) => ({ address, identityKey: bytesToBase64Url(key) })),
      sessions: [...this.#sessions].map(([address, record]) => ({ address, record: sessionRecordToJson(record) })),
      preKeys: [...this.#preKeys.values()].map(preKeyToJson),
      signedPreKeys: [...this.#signedPreKeys.values()].map(signedPreKeyToJson),
      kyberPreKeys: [...this.#kyberPreKeys.values()].map(kyberPreKeyToJson),
    };
  }

  /** Rebuilds a store from exportState() output (or its JSON.parse); throws StateFormatError on anything else. */
  static importState(state: unknown): MemorySignalStore {
    const o = object(state, "state");
    if (o.format !== STORE_STATE_FORMAT) fail("state.format", JSON.stringify(STORE_STATE_FORMAT));
    if (o.version !== STORE_STATE_VERSION) fail("state.version", String(STORE_STATE_VERSION));
    const store = new MemorySignalStore(keyPairFromJson(o.identity, "state.identity"), u32(o.registrationId, "state.registrationId"));
    const address = (v: unknown, path: string): string => {
      if (typeof v !== "string" || v.length === 0) throw new StateFormatError(`${path}: expected a non-empty string`);
      return v;
    };
    array(o.identities, "state.identities", MAX_ENTRIES).forEach((v, i) => {
      const e = object(v, `state.identities[${i}]`);
      store.#identities.set(address(e.address, `state.identities[${i}].address`), ecPublic(e.identityKey, `state.identities[${i}].identityKey`));
    });
    array(o.sessions, "state.sessions", MAX_ENTRIES).forEach((v, i) => {
      const e = object(v, `state.sessions[${i}]`);
      // Sessions of Parley's own earlier message format cannot continue in libsignal's: they are
      // dropped, and the next message each way starts a fresh session (a retry receipt repairs
      // one that arrives first). Identity and prekeys are kept.
      if (object(e.record, `state.sessions[${i}].record`).version === LEGACY_SESSION_RECORD_VERSION) return;
      store.#sessions.set(address(e.address, `state.sessions[${i}].address`), sessionRecordFromJson(e.record, `state.sessions[${i}].record`));
    });
    array(o.preKeys, "state.preKeys", MAX_ENTRIES).forEach((v, i) => store.storePreKey(preKeyFromJson(v, `state.preKeys[${i}]`)));
    array(o.signedPreKeys, "state.signedPreKeys", MAX_ENTRIES).forEach((v, i) => store.storeSignedPreKey(signedPreKeyFromJson(v, `state.signedPreKeys[${i}]`)));
    array(o.kyberPreKeys, "state.kyberPreKeys", MAX_ENTRIES).forEach((v, i) => store.storeKyberPreKey(kyberPreKeyFromJson(v, `state.kyberPreKeys[${i}]`)));
    return store;
  }
}
