// Encrypting to and decrypting from one address. Every decryption is all-or-nothing: the
// store is written only after a message authenticates, so a forged, corrupted or replayed
// message changes nothing.
import { timingSafeEqual } from "../../protocol/bytes.ts";
import {
  decodePreKeySignalMessage,
  decodeSignalMessage,
  encodePreKeySignalMessage,
  WireError,
  type DecodedPreKeySignalMessage,
  type DecodedSignalMessage,
} from "../signal/wire/index.ts";
import { DecryptError, SessionError } from "./errors.ts";
import { ratchetDecrypt, ratchetEncrypt, recognizesRatchetKey } from "./ratchet.ts";
import { buildResponderSession } from "./session-builder.ts";
import { hasSeenBaseKey, sessionsOf, withNewSession, withUpdatedSession, type SessionRecord, type SessionState } from "./session-record.ts";
import type { SignalStore } from "./store.ts";

export type MessageType = "pkmsg" | "msg";

export interface EncryptedMessage {
  readonly type: MessageType;
  readonly body: Uint8Array;
}

export interface DecryptResult {
  readonly plaintext: Uint8Array;
  /** A pkmsg started a session under an identity key other than the one recorded for the address. */
  readonly identityChanged: boolean;
}

function decryptIn(session: SessionState, message: DecodedSignalMessage): { state: SessionState; plaintext: Uint8Array } {
  const identities = { local: session.localIdentityKey, remote: session.remoteIdentityKey };
  const { state: ratchet, plaintext } = ratchetDecrypt(session.ratchet, identities, message);
  // Any authentic message from the peer proves it holds the session, so the PQXDH data need not be resent.
  return { state: { ...session, ratchet, pendingPreKey: undefined }, plaintext };
}

/** The wire codec's refusals, as the SDK's decryption errors. */
function decoded<T>(decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof WireError) throw new DecryptError("malformed", err.message);
    throw err;
  }
}

export class SessionCipher {
  readonly #store: SignalStore;
  readonly #address: string;

  constructor(store: SignalStore, address: string) {
    this.#store = store;
    this.#address = address;
  }

  hasSession(): boolean {
    return this.#store.loadSession(this.#address) !== undefined;
  }

  /** The peer device's registration ID in the current session; it changes when the device reinstalls. */
  remoteRegistrationId(): number | undefined {
    return this.#store.loadSession(this.#address)?.current.remoteRegistrationId;
  }

  /** "pkmsg" until a message from the peer has decrypted in this session, "msg" after. */
  encrypt(plaintext: Uint8Array): EncryptedMessage {
    const record = this.#store.loadSession(this.#address);
    if (!record) throw new SessionError(`no session with ${this.#address}: process a prekey bundle first`);
    const session = record.current;
    const identities = { local: session.localIdentityKey, remote: session.remoteIdentityKey };
    const { state: ratchet, body } = ratchetEncrypt(session.ratchet, identities, plaintext);
    this.#store.storeSession(this.#address, { ...record, current: { ...session, ratchet } });
    const pending = session.pendingPreKey;
    if (!pending) return { type: "msg", body };
    return {
      type: "pkmsg",
      body: encodePreKeySignalMessage({
        registrationId: this.#store.registrationId(),
        preKeyId: pending.preKeyId,
        signedPreKeyId: pending.signedPreKeyId,
        kyberPreKeyId: pending.kyberPreKeyId,
        kyberCiphertext: pending.kyberCiphertext,
        baseKey: session.baseKey,
        identityKey: session.localIdentityKey,
        message: body,
      }),
    };
  }

  /** Throws DecryptError; on any error the stored state is unchanged. */
  decrypt(type: MessageType, body: Uint8Array): Uint8Array {
    return this.decryptWithInfo(type, body).plaintext;
  }

  /** decrypt(), also reporting whether a pkmsg came with a changed identity key. */
  decryptWithInfo(type: MessageType, body: Uint8Array): DecryptResult {
    if (type === "pkmsg") return this.#decryptPreKeyMessage(decoded(() => decodePreKeySignalMessage(body)));
    if (type === "msg") return { plaintext: this.#decryptMessage(decoded(() => decodeSignalMessage(body))), identityChanged: false };
    throw new DecryptError("malformed", `unknown message type ${String(type)}`);
  }

  #decryptMessage(message: DecodedSignalMessage): Uint8Array {
    const record = this.#store.loadSession(this.#address);
    if (!record) throw new DecryptError("no-session", `no session with ${this.#address}`);
    const sessions = sessionsOf(record);
    // Ratchet keys are random per session: a session that has seen this one is the only
    // candidate. A new ratchet key may belong to any of them, current first.
    const owner = sessions.findIndex((s) => recognizesRatchetKey(s.ratchet, message.ratchetKey));
    const candidates = owner >= 0 ? [owner] : sessions.map((_, i) => i);
    let firstError: DecryptError | undefined;
    for (const index of candidates) {
      try {
        const result = decryptIn(sessions[index]!, message);
        // The peer uses this session, so it becomes current (libsignal promotes it too).
        this.#store.storeSession(this.#address, withUpdatedSession(record, index, result.state, true));
        return result.plaintext;
      } catch (err) {
        if (!(err instanceof DecryptError)) throw err;
        firstError ??= err;
      }
    }
    throw firstError ?? new DecryptError("auth-failed", "no session could decrypt the message");
  }

  #decryptPreKeyMessage(message: DecodedPreKeySignalMessage): DecryptResult {
    const inner = message.signalMessage;
    const record: SessionRecord | undefined = this.#store.loadSession(this.#address);
    if (record) {
      // The initiator repeats the same PQXDH data until we reply: reuse the session it made.
      const sessions = sessionsOf(record);
      const index = sessions.findIndex((s) => timingSafeEqual(s.baseKey, message.baseKey));
      const existing = sessions[index];
      if (existing) {
        if (!timingSafeEqual(existing.remoteIdentityKey, message.identityKey)) {
          throw new DecryptError("malformed", "PreKeySignalMessage reuses a base key with another identity");
        }
        const result = decryptIn(existing, inner);
        this.#store.storeSession(this.#address, withUpdatedSession(record, index, result.state, true));
        return { plaintext: result.plaintext, identityChanged: false };
      }
      if (hasSeenBaseKey(record, message.baseKey)) throw new DecryptError("duplicate", "PreKeySignalMessage of a session since discarded");
    }

    const result = decryptIn(buildResponderSession(this.#store, message), inner);
    if (message.preKeyId !== undefined) this.#store.removePreKey(message.preKeyId);
    this.#store.markKyberPreKeyUsed(message.kyberPreKeyId);
    const identityChanged = this.#store.saveIdentity(this.#address, message.identityKey);
    this.#store.storeSession(this.#address, withNewSession(record, result.state));
    return { plaintext: result.plaintext, identityChanged };
  }
}
