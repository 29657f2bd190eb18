// JSON forms of sender key state (bytes as base64url). Imports are checked field by field: a
// damaged or hand-edited export must fail here, not later as a signature that never verifies
// or, worse, a chain running on garbage keys. The same checks serve structured-clone copies
// (checkSenderKeyState / checkSenderKeyRecord), which storage can hand back damaged too.
import { x25519 } from "@noble/curves/ed25519.js";
import { base64UrlToBytes, bytesToBase64Url, timingSafeEqual } from "../../../protocol/bytes.ts";
import { EC_KEY_TYPE, EC_PUBLIC_LENGTH, serializeEcPublic } from "../../../protocol/signal/keys.ts";
import { CHAIN_KEY_LENGTH } from "./chain.ts";
import { SenderKeyError } from "./errors.ts";
import {
  ITERATION_LIMIT,
  MAX_SENDER_KEY_STATES,
  MAX_SKIPPED_KEYS,
  type ReceivedChain,
  type SenderKeyRecord,
  type SenderKeyState,
  type SkippedKey,
} from "./state.ts";
import { DISTRIBUTION_ID_LENGTH } from "./wire.ts";

/** Bumped on any change of these JSON shapes; an unknown version is refused, not guessed at. */
export const SENDER_KEY_JSON_VERSION = 1;
const PRIVATE_KEY_LENGTH = 32;
const UINT32_MAX = 2 ** 32 - 1;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function fail(path: string, what: string): never {
  throw new SenderKeyError("bad-state", `${path}: expected ${what}`);
}

function object(v: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "an object");
  const extra = Object.keys(v).find((k) => !keys.includes(k));
  if (extra !== undefined) fail(`${path}.${extra}`, "no such field");
  return v as Record<string, unknown>;
}

function array(v: unknown, path: string, min: number, max: number): readonly unknown[] {
  if (!Array.isArray(v) || v.length < min || v.length > max) fail(path, `an array of ${min} to ${max} items`);
  return v;
}

function integer(v: unknown, path: string, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) fail(path, `an integer in 0..${max}`);
  return v;
}

/** Structured data: a Uint8Array of the right length, copied so the result shares nothing with storage. */
function rawBytes(v: unknown, path: string, length: number): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== length) fail(path, `${length} bytes`);
  return v.slice();
}

function jsonBytes(v: unknown, path: string, length: number): Uint8Array {
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

type ReadBytes = (v: unknown, path: string, length: number) => Uint8Array;

function ecPublic(read: ReadBytes, v: unknown, path: string): Uint8Array {
  const key = read(v, path, EC_PUBLIC_LENGTH);
  if (key[0] !== EC_KEY_TYPE) fail(path, "a 0x05-prefixed Curve25519 key");
  return key;
}

function readState(read: ReadBytes, v: unknown, path: string): SenderKeyState {
  const o = object(v, path, ["v", "distributionId", "chainId", "iteration", "chainKey", "signingPublic", "signingPrivate"]);
  if (read === jsonBytes && o.v !== SENDER_KEY_JSON_VERSION) fail(`${path}.v`, `version ${SENDER_KEY_JSON_VERSION}`);
  const signingPrivate = read(o.signingPrivate, `${path}.signingPrivate`, PRIVATE_KEY_LENGTH);
  const signingPublic = ecPublic(read, o.signingPublic, `${path}.signingPublic`);
  // A public key that does not match the private one would sign messages nobody can verify.
  if (!timingSafeEqual(signingPublic, serializeEcPublic(x25519.getPublicKey(signingPrivate)))) {
    fail(`${path}.signingPublic`, "the public key of signingPrivate");
  }
  return {
    distributionId: read(o.distributionId, `${path}.distributionId`, DISTRIBUTION_ID_LENGTH),
    chainId: integer(o.chainId, `${path}.chainId`, UINT32_MAX),
    iteration: integer(o.iteration, `${path}.iteration`, ITERATION_LIMIT),
    chainKey: read(o.chainKey, `${path}.chainKey`, CHAIN_KEY_LENGTH),
    signingPublic,
    signingPrivate,
  };
}

function readChain(read: ReadBytes, v: unknown, path: string): ReceivedChain {
  const o = object(v, path, ["chainId", "iteration", "chainKey", "signingKey", "skipped"]);
  const iteration = integer(o.iteration, `${path}.iteration`, ITERATION_LIMIT);
  let previous = -1;
  const skipped = array(o.skipped, `${path}.skipped`, 0, MAX_SKIPPED_KEYS).map((k, i): SkippedKey => {
    const p = `${path}.skipped[${i}]`;
    const key = object(k, p, ["iteration", "seed"]);
    // Oldest first and behind the chain: the order eviction and duplicate detection rely on.
    const at = integer(key.iteration, `${p}.iteration`, UINT32_MAX);
    if (at <= previous || at >= iteration) fail(`${p}.iteration`, "increasing iterations below the chain's");
    previous = at;
    return { iteration: at, seed: read(key.seed, `${p}.seed`, CHAIN_KEY_LENGTH) };
  });
  return {
    chainId: integer(o.chainId, `${path}.chainId`, UINT32_MAX),
    iteration,
    chainKey: read(o.chainKey, `${path}.chainKey`, CHAIN_KEY_LENGTH),
    signingKey: ecPublic(read, o.signingKey, `${path}.signingKey`),
    skipped,
  };
}

function readRecord(read: ReadBytes, v: unknown, path: string): SenderKeyRecord {
  const o = object(v, path, ["v", "distributionId", "states"]);
  if (read === jsonBytes && o.v !== SENDER_KEY_JSON_VERSION) fail(`${path}.v`, `version ${SENDER_KEY_JSON_VERSION}`);
  const states = array(o.states, `${path}.states`, 1, MAX_SENDER_KEY_STATES).map((s, i) => readChain(read, s, `${path}.states[${i}]`));
  if (new Set(states.map((s) => s.chainId)).size !== states.length) fail(`${path}.states`, "distinct chain ids");
  return { distributionId: read(o.distributionId, `${path}.distributionId`, DISTRIBUTION_ID_LENGTH), states };
}

const b64 = bytesToBase64Url;

export function senderKeyStateToJSON(state: SenderKeyState): JsonValue {
  return {
    v: SENDER_KEY_JSON_VERSION,
    distributionId: b64(state.distributionId),
    chainId: state.chainId,
    iteration: state.iteration,
    chainKey: b64(state.chainKey),
    signingPublic: b64(state.signingPublic),
    signingPrivate: b64(state.signingPrivate),
  };
}

export function senderKeyRecordToJSON(record: SenderKeyRecord): JsonValue {
  return {
    v: SENDER_KEY_JSON_VERSION,
    distributionId: b64(record.distributionId),
    states: record.states.map((s) => ({
      chainId: s.chainId,
      iteration: s.iteration,
      chainKey: b64(s.chainKey),
      signingKey: b64(s.signingKey),
      skipped: s.skipped.map((k) => ({ iteration: k.iteration, seed: b64(k.seed) })),
    })),
  };
}

export const senderKeyStateFromJSON = (json: unknown): SenderKeyState => readState(jsonBytes, json, "senderKeyState");
export const senderKeyRecordFromJSON = (json: unknown): SenderKeyRecord => readRecord(jsonBytes, json, "senderKeyRecord");

/** Validates (and copies) a state read back from structured storage. */
export const checkSenderKeyState = (value: unknown): SenderKeyState => readState(rawBytes, value, "senderKeyState");
/** Validates (and copies) a record read back from structured storage. */
export const checkSenderKeyRecord = (value: unknown): SenderKeyRecord => readRecord(rawBytes, value, "senderKeyRecord");
