// Starting sessions from PQXDH: as initiator from a prekey bundle, as responder from the
// first PreKeySignalMessage.
import { verifyBundle, type PreKeyBundle } from "./bundle.ts";
import { BundleError, DecryptError } from "./errors.ts";
import type { PreKeySignalMessage } from "./messages.ts";
import { pqxdhInitiate, pqxdhRespond, type InitiatorAgreement } from "./pqxdh.ts";
import { initInitiator, initResponder, type RatchetState } from "./ratchet.ts";
import { withNewSession, type SessionState } from "./session-record.ts";
import type { SignalStore } from "./store.ts";

/**
 * Verifies the bundle (both signatures, by its identity key), records the identity (trust on
 * first use) and makes a fresh initiator session the address's current one. Nothing is stored
 * unless every check passes. `identityChanged` means the address used to present another
 * identity key: the application should warn the user (Signal's "safety number changed").
 */
export function processPreKeyBundle(store: SignalStore, address: string, bundle: PreKeyBundle): { identityChanged: boolean } {
  verifyBundle(bundle);
  const identity = store.identity();
  let agreement: InitiatorAgreement;
  let ratchet: RatchetState;
  try {
    agreement = pqxdhInitiate(identity, bundle);
    ratchet = initInitiator(agreement.sharedKey, bundle.signedPreKey.publicKey);
  } catch {
    // Well-formed encodings can still hold unusable keys (low-order points, a KEM key out of range).
    throw new BundleError("malformed", `unusable key in the prekey bundle for device ${bundle.deviceId}`);
  }
  const state: SessionState = {
    localIdentityKey: identity.publicKey,
    remoteIdentityKey: bundle.identityKey.slice(),
    remoteRegistrationId: bundle.registrationId,
    associatedData: agreement.associatedData,
    baseKey: agreement.baseKey,
    pendingPreKey: {
      preKeyId: bundle.preKey?.id,
      signedPreKeyId: bundle.signedPreKey.id,
      kyberPreKeyId: bundle.kyberPreKey.id,
      kyberCiphertext: agreement.kyberCiphertext,
    },
    ratchet,
  };
  const identityChanged = store.saveIdentity(address, bundle.identityKey);
  store.storeSession(address, withNewSession(store.loadSession(address), state));
  return { identityChanged };
}

/**
 * The responder's session for a PreKeySignalMessage that matches no existing session. Reads
 * the prekeys but consumes nothing: the caller does that only once the message decrypts, so a
 * forged pkmsg can neither burn prekeys nor overwrite a trusted identity.
 */
export function buildResponderSession(store: SignalStore, message: PreKeySignalMessage): SessionState {
  const signedPreKey = store.loadSignedPreKey(message.signedPreKeyId);
  const kyberPreKey = store.loadKyberPreKey(message.kyberPreKeyId);
  const preKey = message.preKeyId === undefined ? undefined : store.loadPreKey(message.preKeyId);
  if (!signedPreKey) throw new DecryptError("unknown-prekey", `unknown signed prekey ${message.signedPreKeyId}`);
  if (!kyberPreKey) throw new DecryptError("unknown-prekey", `unknown Kyber prekey ${message.kyberPreKeyId}`);
  if (message.preKeyId !== undefined && !preKey) throw new DecryptError("unknown-prekey", `unknown one-time prekey ${message.preKeyId}`);

  const identity = store.identity();
  let agreement: { sharedKey: Uint8Array; associatedData: Uint8Array };
  try {
    agreement = pqxdhRespond({
      identity,
      signedPreKey: signedPreKey.keyPair,
      preKey: preKey?.keyPair,
      kyberSecretKey: kyberPreKey.secretKey,
      theirIdentityKey: message.identityKey,
      theirBaseKey: message.baseKey,
      kyberCiphertext: message.kyberCiphertext,
    });
  } catch {
    throw new DecryptError("malformed", "unusable key in PreKeySignalMessage");
  }
  return {
    localIdentityKey: identity.publicKey,
    remoteIdentityKey: message.identityKey,
    remoteRegistrationId: message.registrationId,
    associatedData: agreement.associatedData,
    baseKey: message.baseKey,
    pendingPreKey: undefined,
    ratchet: initResponder(agreement.sharedKey, signedPreKey.keyPair),
  };
}
