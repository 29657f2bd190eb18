// JSON forms of persisted E2EE state (bytes as base64url). Imports are checked field by field:
// a damaged or hand-edited export must fail loudly here, not later as a confusing
// decryption error or, worse, as a session running on garbage keys.
import { base64UrlToBytes, bytesToBase64Url } from "../../protocol/bytes.ts";
import { EC_KEY_TYPE, EC_PUBLIC_LENGTH, KYBER_PUBLIC_LENGTH, SIGNATURE_LENGTH } from "../../protocol/signal/keys.ts";
import { StateFormatError } from "./errors.ts";
import { isKeyId, type KeyPair, type KyberPreKeyRecord, type PreKeyRecord, type SignedPreKeyRecord } from "./keys.ts";
import { spqrStateFromJSON, spqrStateToJSON } from "../signal/spqr/index.ts";
import { KYBER_CIPHERTEXT_LENGTH } from "../signal/wire/index.ts";
import {
  MAX_RECEIVER_CHAINS,
  MAX_SKIPPED_PER_CHAIN,
  type ChainState,
  type RatchetState,
  type ReceiverChain,
  type SkippedSeed,
} from "./ratchet.ts";
import {
  MAX_ARCHIVED_SESSIONS,
  MAX_SEEN_BASE_KEYS,
  SESSION_RECORD_VERSION,
  type PendingPreKey,
  type SessionRecord,
  type SessionState,
} from "./session-record.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const KEY_LENGTH = 32;
const KYBER_SECRET_LENGTH = 3168;

// ---- reading ----

function fail(path: string, what: string): never {
  throw new StateFormatError(`${path}: expected ${what}`);
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "an object");
  return v as Record<string, unknown>;
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) fail(path, `an array of at most ${max} items`);
  return v;
}

function bytes(v: unknown, path: string, length: number): Uint8Array {
  if (typeof v !== "string") fail(path, "a base64url string");
  let out: Uint8Array;
  try {
    out = base64UrlToBytes(v);
  } catch {
    fail(path, "a base64url string");
  }
  if (out.length !== length) fail(path, `${length} bytes`);
  return out;
}

function ecPublic(v: unknown, path: string): Uint8Array {
  const key = bytes(v, path, EC_PUBLIC_LENGTH);
  if (key[0] !== EC_KEY_TYPE) fail(path, "a 0x05-prefixed key");
  return key;
}

function u32(v: unknown, path: string): number {
  if (!isKeyId(v)) fail(path, "an integer in 0..2^32-1");
  return v;
}

function timestamp(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) fail(path, "a non-negative integer");
  return v;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") fail(path, "a boolean");
  return v;
}

function nullable<T>(v: unknown, read: (v: unknown) => T): T | undefined {
  return v === null || v === undefined ? undefined : read(v);
}

const b64 = bytesToBase64Url;

// ---- key pairs and own prekeys ----

export function keyPairToJson(k: KeyPair): JsonObject {
  return { publicKey: b64(k.publicKey), privateKey: b64(k.privateKey) };
}

export function keyPairFromJson(v: unknown, path: string): KeyPair {
  const o = object(v, path);
  return { publicKey: ecPublic(o.publicKey, `${path}.publicKey`), privateKey: bytes(o.privateKey, `${path}.privateKey`, KEY_LENGTH) };
}

export function preKeyToJson(r: PreKeyRecord): JsonObject {
  return { id: r.id, keyPair: keyPairToJson(r.keyPair) };
}

export function preKeyFromJson(v: unknown, path: string): PreKeyRecord {
  const o = object(v, path);
  return { id: u32(o.id, `${path}.id`), keyPair: keyPairFromJson(o.keyPair, `${path}.keyPair`) };
}

export function signedPreKeyToJson(r: SignedPreKeyRecord): JsonObject {
  return { id: r.id, keyPair: keyPairToJson(r.keyPair), signature: b64(r.signature), createdAtMs: r.createdAtMs };
}

export function signedPreKeyFromJson(v: unknown, path: string): SignedPreKeyRecord {
  const o = object(v, path);
  return {
    id: u32(o.id, `${path}.id`),
    keyPair: keyPairFromJson(o.keyPair, `${path}.keyPair`),
    signature: bytes(o.signature, `${path}.signature`, SIGNATURE_LENGTH),
    createdAtMs: timestamp(o.createdAtMs, `${path}.createdAtMs`),
  };
}

export function kyberPreKeyToJson(r: KyberPreKeyRecord): JsonObject {
  return { id: r.id, publicKey: b64(r.publicKey), secretKey: b64(r.secretKey), signature: b64(r.signature), lastResort: r.lastResort };
}

export function kyberPreKeyFromJson(v: unknown, path: string): KyberPreKeyRecord {
  const o = object(v, path);
  return {
    id: u32(o.id, `${path}.id`),
    publicKey: bytes(o.publicKey, `${path}.publicKey`, KYBER_PUBLIC_LENGTH),
    secretKey: bytes(o.secretKey, `${path}.secretKey`, KYBER_SECRET_LENGTH),
    signature: bytes(o.signature, `${path}.signature`, SIGNATURE_LENGTH),
    lastResort: bool(o.lastResort, `${path}.lastResort`),
  };
}

// ---- sessions ----

function chainToJson(c: ChainState): JsonObject {
  return { key: b64(c.key), index: c.index };
}

function chainFromJson(v: unknown, path: string): ChainState {
  const o = object(v, path);
  return { key: bytes(o.key, `${path}.key`, KEY_LENGTH), index: u32(o.index, `${path}.index`) };
}

function skippedFromJson(v: unknown, path: string): SkippedSeed {
  const o = object(v, path);
  return { counter: u32(o.counter, `${path}.counter`), seed: bytes(o.seed, `${path}.seed`, KEY_LENGTH) };
}

function receiverToJson(r: ReceiverChain): JsonObject {
  return { ratchetKey: b64(r.ratchetKey), chain: chainToJson(r.chain), skipped: r.skipped.map((k) => ({ counter: k.counter, seed: b64(k.seed) })) };
}

function receiverFromJson(v: unknown, path: string): ReceiverChain {
  const o = object(v, path);
  return {
    ratchetKey: ecPublic(o.ratchetKey, `${path}.ratchetKey`),
    chain: chainFromJson(o.chain, `${path}.chain`),
    skipped: array(o.skipped, `${path}.skipped`, MAX_SKIPPED_PER_CHAIN).map((k, i) => skippedFromJson(k, `${path}.skipped[${i}]`)),
  };
}

function ratchetToJson(r: RatchetState): JsonObject {
  return {
    rootKey: b64(r.rootKey),
    sendingRatchet: keyPairToJson(r.sendingRatchet),
    sendingChain: chainToJson(r.sendingChain),
    previousCounter: r.previousCounter,
    receiverChains: r.receiverChains.map(receiverToJson),
    spqr: spqrStateToJSON(r.spqr),
  };
}

function ratchetFromJson(v: unknown, path: string): RatchetState {
  const o = object(v, path);
  let spqr: RatchetState["spqr"];
  try {
    spqr = spqrStateFromJSON(o.spqr);
  } catch (err) {
    fail(`${path}.spqr`, `an SPQR state (${(err as Error).message})`);
  }
  return {
    rootKey: bytes(o.rootKey, `${path}.rootKey`, KEY_LENGTH),
    sendingRatchet: keyPairFromJson(o.sendingRatchet, `${path}.sendingRatchet`),
    sendingChain: chainFromJson(o.sendingChain, `${path}.sendingChain`),
    previousCounter: u32(o.previousCounter, `${path}.previousCounter`),
    receiverChains: array(o.receiverChains, `${path}.receiverChains`, MAX_RECEIVER_CHAINS).map((c, i) => receiverFromJson(c, `${path}.receiverChains[${i}]`)),
    spqr,
  };
}

function pendingToJson(p: PendingPreKey | undefined): Json {
  if (!p) return null;
  return { preKeyId: p.preKeyId ?? null, signedPreKeyId: p.signedPreKeyId, kyberPreKeyId: p.kyberPreKeyId, kyberCiphertext: b64(p.kyberCiphertext) };
}

function pendingFromJson(v: unknown, path: string): PendingPreKey | undefined {
  return nullable(v, (p) => {
    const o = object(p, path);
    return {
      preKeyId: nullable(o.preKeyId, (id) => u32(id, `${path}.preKeyId`)),
      signedPreKeyId: u32(o.signedPreKeyId, `${path}.signedPreKeyId`),
      kyberPreKeyId: u32(o.kyberPreKeyId, `${path}.kyberPreKeyId`),
      kyberCiphertext: bytes(o.kyberCiphertext, `${path}.kyberCiphertext`, KYBER_CIPHERTEXT_LENGTH),
    };
  });
}

function sessionToJson(s: SessionState): JsonObject {
  return {
    localIdentityKey: b64(s.localIdentityKey),
    remoteIdentityKey: b64(s.remoteIdentityKey),
    remoteRegistrationId: s.remoteRegistrationId,
    baseKey: b64(s.baseKey),
    pendingPreKey: pendingToJson(s.pendingPreKey),
    ratchet: ratchetToJson(s.ratchet),
  };
}

function sessionFromJson(v: unknown, path: string): SessionState {
  const o = object(v, path);
  return {
    localIdentityKey: ecPublic(o.localIdentityKey, `${path}.localIdentityKey`),
    remoteIdentityKey: ecPublic(o.remoteIdentityKey, `${path}.remoteIdentityKey`),
    remoteRegistrationId: u32(o.remoteRegistrationId, `${path}.remoteRegistrationId`),
    baseKey: ecPublic(o.baseKey, `${path}.baseKey`),
    pendingPreKey: pendingFromJson(o.pendingPreKey, `${path}.pendingPreKey`),
    ratchet: ratchetFromJson(o.ratchet, `${path}.ratchet`),
  };
}

export function sessionRecordToJson(r: SessionRecord): JsonObject {
  return {
    version: r.version,
    current: sessionToJson(r.current),
    archived: r.archived.map(sessionToJson),
    seenBaseKeys: r.seenBaseKeys.map(b64),
  };
}

export function sessionRecordFromJson(v: unknown, path = "session"): SessionRecord {
  const o = object(v, path);
  if (o.version !== SESSION_RECORD_VERSION) fail(`${path}.version`, `${SESSION_RECORD_VERSION}`);
  return {
    version: SESSION_RECORD_VERSION,
    current: sessionFromJson(o.current, `${path}.current`),
    archived: array(o.archived, `${path}.archived`, MAX_ARCHIVED_SESSIONS).map((s, i) => sessionFromJson(s, `${path}.archived[${i}]`)),
    seenBaseKeys: array(o.seenBaseKeys, `${path}.seenBaseKeys`, MAX_SEEN_BASE_KEYS).map((k, i) => ecPublic(k, `${path}.seenBaseKeys[${i}]`)),
  };
}

// Re-exported for the store's own fields.
export { array, bytes, ecPublic, fail, object, u32 };
