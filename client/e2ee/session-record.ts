// What is persisted per address: the current session plus a few archived ones. Everything
// here is plain data (objects, arrays, numbers, bigints, Uint8Array), so records survive structured
// clone (IndexedDB, postMessage) unchanged; MemorySignalStore.exportState adds JSON.
import { timingSafeEqual } from "../../protocol/bytes.ts";
import type { RatchetState } from "./ratchet.ts";

export const SESSION_RECORD_VERSION = 2;
/** Sessions in Parley E2EE v1, the SDK's own format before it spoke libsignal's (issue 14). */
export const LEGACY_SESSION_RECORD_VERSION = 1;
/**
 * Sessions kept besides the current one. Both parties initiating at once leaves each with a
 * session the other is not using; keeping a few and decrypting with whichever matches lets
 * them converge instead of failing until someone re-fetches a bundle.
 */
export const MAX_ARCHIVED_SESSIONS = 4;
/** PQXDH base keys remembered per address, so a replayed old pkmsg cannot restart a session. */
export const MAX_SEEN_BASE_KEYS = 64;

/** PQXDH data the initiator repeats in every message until the responder's first reply decrypts. */
export interface PendingPreKey {
  readonly preKeyId: number | undefined;
  readonly signedPreKeyId: number;
  readonly kyberPreKeyId: number;
  /** 0x08 ‖ the 1568-byte Kyber1024 ciphertext, as the wire carries it. */
  readonly kyberCiphertext: Uint8Array;
}

export interface SessionState {
  readonly localIdentityKey: Uint8Array;
  readonly remoteIdentityKey: Uint8Array;
  readonly remoteRegistrationId: number;
  /** The initiator's ephemeral key EK_A: names the PQXDH run this session came from. */
  readonly baseKey: Uint8Array;
  readonly pendingPreKey: PendingPreKey | undefined;
  readonly ratchet: RatchetState;
}

/** Opaque to applications: store it, never look inside. */
export interface SessionRecord {
  readonly version: typeof SESSION_RECORD_VERSION;
  readonly current: SessionState;
  /** Newest first. */
  readonly archived: readonly SessionState[];
  /** Newest last. */
  readonly seenBaseKeys: readonly Uint8Array[];
}

/** Makes `state` current, archiving the previous current session. */
export function withNewSession(record: SessionRecord | undefined, state: SessionState): SessionRecord {
  const seen = record?.seenBaseKeys ?? [];
  const seenBaseKeys = seen.some((k) => timingSafeEqual(k, state.baseKey)) ? seen : [...seen, state.baseKey];
  return {
    version: SESSION_RECORD_VERSION,
    current: state,
    archived: record ? [record.current, ...record.archived].slice(0, MAX_ARCHIVED_SESSIONS) : [],
    seenBaseKeys: seenBaseKeys.slice(-MAX_SEEN_BASE_KEYS),
  };
}

/** All sessions, current first: index 0 is current, i > 0 is archived[i - 1]. */
export function sessionsOf(record: SessionRecord): SessionState[] {
  return [record.current, ...record.archived];
}

/**
 * Replaces session `index` (as numbered by sessionsOf) with `state`; `promote` also makes it
 * current, because the peer has shown it is using that session (libsignal does the same).
 */
export function withUpdatedSession(record: SessionRecord, index: number, state: SessionState, promote: boolean): SessionRecord {
  if (index === 0) return { ...record, current: state };
  if (!promote) return { ...record, archived: record.archived.map((s, i) => (i === index - 1 ? state : s)) };
  return { ...record, current: state, archived: [record.current, ...record.archived.filter((_, i) => i !== index - 1)] };
}

export function hasSeenBaseKey(record: SessionRecord, baseKey: Uint8Array): boolean {
  return record.seenBaseKeys.some((k) => timingSafeEqual(k, baseKey));
}
