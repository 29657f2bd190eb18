// Starting sessions from PQXDH, as libsignal does for message version 4: as initiator from a
// prekey bundle, as responder from the first PreKeySignalMessage.
import { concatBytes } from "../../protocol/bytes.ts";
import { deserializeEcPublic, deserializeKyberPublic, KYBER_KEY_TYPE } from "../../protocol/signal/keys.ts";
import { initiatorChains, pqxdhInitiate, pqxdhRespond, type PqxdhSecrets } from "../signal/pqxdh.ts";
import { initSpqr } from "../signal/spqr/index.ts";
import type { DecodedPreKeySignalMessage } from "../signal/wire/index.ts";
import { verifyBundle, type PreKeyBundle } from "./bundle.ts";
import { BundleError, DecryptError } from "./errors.ts";
import { generateKeyPair, type KeyPair } from "./keys.ts";
import type { RatchetState } from "./ratchet.ts";
import { withNewSession, type SessionState } from "./session-record.ts";
import type { SignalStore } from "./store.ts";

/**
 * Alice after PQXDH: one DH ratchet step with a fresh ratchet key against Bob's signed prekey
 * gives her sending chain; Bob's initial chain (under that signed prekey) is her first receiving one.
 */
function initiatorRatchet(secrets: PqxdhSecrets, theirSignedPreKey: Uint8Array): RatchetState {
  const sendingRatchet = generateKeyPair();
  const chains = initiatorChains(secrets, sendingRatchet.privateKey, deserializeEcPublic(theirSignedPreKey));
  return {
    rootKey: chains.rootKey,
    sendingRatchet,
    sendingChain: { key: chains.sendingChainKey, index: 0 },
    previousCounter: 0,
    receiverChains: [{ ratchetKey: theirSignedPreKey.slice(), chain: { key: chains.receivingChainKey, index: 0 }, skipped: [] }],
    spqr: initSpqr(secrets.spqrKey, "alice"),
  };
}

/** Bob after PQXDH: his signed prekey is his first ratchet key; Alice's first message ratchets him forward. */
function responderRatchet(secrets: PqxdhSecrets, signedPreKey: KeyPair): RatchetState {
  return {
    rootKey: secrets.rootKey,
    sendingRatchet: signedPreKey,
    sendingChain: { key: secrets.chainKey, index: 0 },
    previousCounter: 0,
    receiverChains: [],
    spqr: initSpqr(secrets.spqrKey, "bob"),
  };
}

/**
 * Verifies the bundle (both signatures, by its identity key), records the identity (trust on
 * first use) and makes a fresh initiator session the address's current one. Nothing is stored
 * unless every check passes. `identityChanged` means the address used to present another
 * identity key: the application should warn the user (Signal's "safety number changed").
 */
export function processPreKeyBundle(store: SignalStore, address: string, bundle: PreKeyBundle): { identityChanged: boolean } {
  verifyBundle(bundle);
  const identity = store.identity();
  const baseKey = generateKeyPair();
  let state: SessionState;
  try {
    const { secrets, kyberCiphertext } = pqxdhInitiate({
      ourIdentityPrivate: identity.privateKey,
      ourBaseKeyPrivate: baseKey.privateKey,
      theirIdentityKey: deserializeEcPublic(bundle.identityKey),
      theirSignedPreKey: deserializeEcPublic(bundle.signedPreKey.publicKey),
      theirOneTimePreKey: bundle.preKey ? deserializeEcPublic(bundle.preKey.publicKey) : undefined,
      theirKyberPreKey: deserializeKyberPublic(bundle.kyberPreKey.publicKey),
    });
    state = {
      localIdentityKey: identity.publicKey,
      remoteIdentityKey: bundle.identityKey.slice(),
      remoteRegistrationId: bundle.registrationId,
      baseKey: baseKey.publicKey,
      pendingPreKey: {
        preKeyId: bundle.preKey?.id,
        signedPreKeyId: bundle.signedPreKey.id,
        kyberPreKeyId: bundle.kyberPreKey.id,
        // The wire carries Kyber ciphertexts behind the key type byte, as libsignal does.
        kyberCiphertext: concatBytes(Uint8Array.of(KYBER_KEY_TYPE), kyberCiphertext),
      },
      ratchet: initiatorRatchet(secrets, bundle.signedPreKey.publicKey),
    };
  } catch {
    // Well-formed encodings can still hold unusable keys (low-order points, a KEM key out of range).
    throw new BundleError("malformed", `unusable key in the prekey bundle for device ${bundle.deviceId}`);
  }
  const identityChanged = store.saveIdentity(address, bundle.identityKey);
  store.storeSession(address, withNewSession(store.loadSession(address), state));
  return { identityChanged };
}

/**
 * The responder's session for a PreKeySignalMessage that matches no existing session. Reads
 * the prekeys but consumes nothing: the caller does that only once the message decrypts, so a
 * forged pkmsg can neither burn prekeys nor overwrite a trusted identity.
 */
export function buildResponderSession(store: SignalStore, message: DecodedPreKeySignalMessage): SessionState {
  const signedPreKey = store.loadSignedPreKey(message.signedPreKeyId);
  const kyberPreKey = store.loadKyberPreKey(message.kyberPreKeyId);
  const preKey = message.preKeyId === undefined ? undefined : store.loadPreKey(message.preKeyId);
  if (!signedPreKey) throw new DecryptError("unknown-prekey", `unknown signed prekey ${message.signedPreKeyId}`);
  if (!kyberPreKey) throw new DecryptError("unknown-prekey", `unknown Kyber prekey ${message.kyberPreKeyId}`);
  if (message.preKeyId !== undefined && !preKey) throw new DecryptError("unknown-prekey", `unknown one-time prekey ${message.preKeyId}`);

  const identity = store.identity();
  let secrets: PqxdhSecrets;
  try {
    secrets = pqxdhRespond({
      ourIdentityPrivate: identity.privateKey,
      ourSignedPreKeyPrivate: signedPreKey.keyPair.privateKey,
      ourOneTimePreKeyPrivate: preKey?.keyPair.privateKey,
      ourKyberSecretKey: kyberPreKey.secretKey,
      theirIdentityKey: deserializeEcPublic(message.identityKey),
      theirBaseKey: deserializeEcPublic(message.baseKey),
      // The wire codec has checked the type byte and the length.
      kyberCiphertext: message.kyberCiphertext.subarray(1),
    });
  } catch {
    throw new DecryptError("malformed", "unusable key in PreKeySignalMessage");
  }
  return {
    localIdentityKey: identity.publicKey,
    remoteIdentityKey: message.identityKey.slice(),
    remoteRegistrationId: message.registrationId,
    baseKey: message.baseKey.slice(),
    pendingPreKey: undefined,
    ratchet: responderRatchet(secrets, signedPreKey.keyPair),
  };
}
