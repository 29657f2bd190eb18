// PQXDH key agreement (signal.org/docs/specifications/pqxdh, revision 3) with X25519,
// SHA-256 and round-3 Kyber1024 (what libsignal's 0x08 keys mean; not FIPS 203 ML-KEM-1024,
// whose shared secret differs for the same key and ciphertext). Both sides compute
//   SK = KDF(DH1 || DH2 || DH3 [|| DH4] || SS)
//   DH1 = DH(IK_A, SPK_B)  DH2 = DH(EK_A, IK_B)  DH3 = DH(EK_A, SPK_B)  DH4 = DH(EK_A, OPK_B)
//   (CT, SS) = Kyber1024.Encaps(PQPK_B)
// and AD = IK_A || IK_B (33-byte serialized keys). Callers verify the bundle first.
import { concatBytes } from "../../protocol/bytes.ts";
import { deserializeKyberPublic } from "../../protocol/signal/keys.ts";
import { kyber1024 } from "../signal/kyber1024.ts";
import type { PreKeyBundle } from "./bundle.ts";
import { pqxdhSharedKey } from "./kdf.ts";
import { dh, generateKeyPair, type IdentityKeyPair, type KeyPair } from "./keys.ts";

export interface InitiatorAgreement {
  readonly sharedKey: Uint8Array;
  /** EK_A's public key (33 bytes); its private half is discarded here, as the spec requires. */
  readonly baseKey: Uint8Array;
  readonly kyberCiphertext: Uint8Array;
  readonly associatedData: Uint8Array;
}

export function associatedData(initiatorIdentity: Uint8Array, responderIdentity: Uint8Array): Uint8Array {
  return concatBytes(initiatorIdentity, responderIdentity);
}

/** Alice's side. Throws (KeyFormatError, KyberError or noble's Error) on keys that cannot be used. */
export function pqxdhInitiate(identity: IdentityKeyPair, bundle: PreKeyBundle): InitiatorAgreement {
  const ephemeral = generateKeyPair();
  const { ciphertext, sharedSecret } = kyber1024.encapsulate(deserializeKyberPublic(bundle.kyberPreKey.publicKey));
  const dhOutputs = [
    dh(identity.privateKey, bundle.signedPreKey.publicKey),
    dh(ephemeral.privateKey, bundle.identityKey),
    dh(ephemeral.privateKey, bundle.signedPreKey.publicKey),
  ];
  if (bundle.preKey) dhOutputs.push(dh(ephemeral.privateKey, bundle.preKey.publicKey));
  return {
    sharedKey: pqxdhSharedKey(dhOutputs, sharedSecret),
    baseKey: ephemeral.publicKey,
    kyberCiphertext: ciphertext,
    associatedData: associatedData(identity.publicKey, bundle.identityKey),
  };
}

export interface ResponderInputs {
  readonly identity: IdentityKeyPair;
  readonly signedPreKey: KeyPair;
  readonly preKey: KeyPair | undefined;
  readonly kyberSecretKey: Uint8Array;
  readonly theirIdentityKey: Uint8Array;
  readonly theirBaseKey: Uint8Array;
  readonly kyberCiphertext: Uint8Array;
}

/** Bob's side: the same SK from his private halves. Throws on keys that cannot be used. */
export function pqxdhRespond(inputs: ResponderInputs): { sharedKey: Uint8Array; associatedData: Uint8Array } {
  // Kyber decapsulation never fails on a wrong ciphertext (implicit rejection): it yields an
  // unrelated secret, and the first message's authentication fails instead.
  const sharedSecret = kyber1024.decapsulate(inputs.kyberCiphertext, inputs.kyberSecretKey);
  const dhOutputs = [
    dh(inputs.signedPreKey.privateKey, inputs.theirIdentityKey),
    dh(inputs.identity.privateKey, inputs.theirBaseKey),
    dh(inputs.signedPreKey.privateKey, inputs.theirBaseKey),
  ];
  if (inputs.preKey) dhOutputs.push(dh(inputs.preKey.privateKey, inputs.theirBaseKey));
  return { sharedKey: pqxdhSharedKey(dhOutputs, sharedSecret), associatedData: associatedData(inputs.theirIdentityKey, inputs.identity.publicKey) };
}
