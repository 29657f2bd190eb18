import { base64UrlToBytes, bytesToBase64 } from "../bytes.ts";
import { EC_PUBLIC_LENGTH, KYBER_PUBLIC_LENGTH, SIGNATURE_LENGTH } from "../signal/keys.ts";
import { element, type XmlElement } from "../xml/index.ts";
import { StanzaError } from "./errors.ts";

/**
 * Prekey stanzas (docs/stanzas.md): a device uploads its keys; anyone fetches a user's
 * bundles. Keys are standard base64 of libsignal's serialized forms (33-byte 0x05 EC keys,
 * 1569-byte 0x08 Kyber1024 keys, 64-byte XEdDSA signatures).
 */
export interface SignedKey {
  readonly id: number;
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface OneTimeKey {
  readonly id: number;
  readonly publicKey: Uint8Array;
}

export interface KeyUpload {
  readonly registrationId?: number;
  readonly identityKey?: Uint8Array;
  readonly signedPreKey?: SignedKey;
  readonly lastResortKyber?: SignedKey;
  readonly preKeys: readonly OneTimeKey[];
  readonly kyberPreKeys: readonly SignedKey[];
}

/** libsignal's PreKeyBundle for one device; `preKey` is absent once one-time prekeys ran out. */
export interface WireBundle {
  readonly deviceId: string;
  readonly registrationId: number;
  readonly identityKey: Uint8Array;
  readonly signedPreKey: SignedKey;
  readonly kyberPreKey: SignedKey;
  readonly preKey?: OneTimeKey;
}

export const MAX_PREKEYS_PER_UPLOAD = 100;
export const MAX_KYBER_PREKEYS_PER_UPLOAD = 16;


function bytes(el: XmlElement, what: string, length: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = base64UrlToBytes(el.text.trim());
  } catch {
    throw new StanzaError("malformed", `${what} is not base64`);
  }
  if (out.length !== length) throw new StanzaError("malformed", `${what} must be ${length} bytes`);
  return out;
}

function signatureOf(el: XmlElement, what: string): Uint8Array {
  return bytes({ ...el, text: el.attrs.signature ?? "" }, `${what} signature`, SIGNATURE_LENGTH);
}

function keyId(el: XmlElement): number {
  const id = Number(el.attrs.id);
  if (!Number.isInteger(id) || id < 0 || id > 0xffffff) throw new StanzaError("malformed", `<${el.name}> id= must be an integer below 2^24`);
  return id;
}

export function readKeyUpload(keys: XmlElement): KeyUpload {
  let registrationId: number | undefined;
  if (keys.attrs.registration !== undefined) {
    registrationId = Number(keys.attrs.registration);
    if (!Number.isInteger(registrationId) || registrationId < 1 || registrationId > 0x3fff) {
      throw new StanzaError("malformed", "registration= must be 1-16383");
    }
  }
  let identityKey: Uint8Array | undefined;
  let signedPreKey: SignedKey | undefined;
  let lastResortKyber: SignedKey | undefined;
  const preKeys: OneTimeKey[] = [];
  const kyberPreKeys: SignedKey[] = [];
  for (const el of keys.children) {
    if (el.name === "identity") identityKey = bytes(el, "identity key", EC_PUBLIC_LENGTH);
    else if (el.name === "signed") signedPreKey = { id: keyId(el), publicKey: bytes(el, "signed prekey", EC_PUBLIC_LENGTH), signature: signatureOf(el, "signed prekey") };
    else if (el.name === "prekey") preKeys.push({ id: keyId(el), publicKey: bytes(el, "prekey", EC_PUBLIC_LENGTH) });
    else if (el.name === "kyber") {
      const key = { id: keyId(el), publicKey: bytes(el, "kyber prekey", KYBER_PUBLIC_LENGTH), signature: signatureOf(el, "kyber prekey") };
      if (el.attrs["last-resort"] === "true") lastResortKyber = key;
      else kyberPreKeys.push(key);
    } else throw new StanzaError("malformed", `unknown key element <${el.name}>`);
  }
  if (preKeys.length > MAX_PREKEYS_PER_UPLOAD || kyberPreKeys.length > MAX_KYBER_PREKEYS_PER_UPLOAD) {
    throw new StanzaError("too-large", `at most ${MAX_PREKEYS_PER_UPLOAD} prekeys and ${MAX_KYBER_PREKEYS_PER_UPLOAD} kyber prekeys per upload`);
  }
  return { registrationId, identityKey, signedPreKey, lastResortKyber, preKeys, kyberPreKeys };
}

const signedElement = (name: string, k: SignedKey, attrs: Record<string, string> = {}): XmlElement =>
  element(name, { id: k.id, signature: bytesToBase64(k.signature), ...attrs }, bytesToBase64(k.publicKey));

export function keyUploadElement(u: KeyUpload): XmlElement {
  const children: XmlElement[] = [];
  if (u.identityKey) children.push(element("identity", {}, bytesToBase64(u.identityKey)));
  if (u.signedPreKey) children.push(signedElement("signed", u.signedPreKey));
  if (u.lastResortKyber) children.push(signedElement("kyber", u.lastResortKyber, { "last-resort": "true" }));
  for (const k of u.preKeys) children.push(element("prekey", { id: k.id }, bytesToBase64(k.publicKey)));
  for (const k of u.kyberPreKeys) children.push(signedElement("kyber", k));
  return element("keys", { registration: u.registrationId }, children);
}

export function bundleElement(b: WireBundle): XmlElement {
  const children = [element("identity", {}, bytesToBase64(b.identityKey)), signedElement("signed", b.signedPreKey), signedElement("kyber", b.kyberPreKey)];
  if (b.preKey) children.push(element("prekey", { id: b.preKey.id }, bytesToBase64(b.preKey.publicKey)));
  return element("bundle", { device: b.deviceId, registration: b.registrationId }, children);
}

export function readBundle(el: XmlElement): WireBundle {
  const device = el.attrs.device;
  const upload = readKeyUpload({ ...el, name: "keys" });
  const kyber = upload.kyberPreKeys[0] ?? upload.lastResortKyber;
  if (!device || !upload.registrationId || !upload.identityKey || !upload.signedPreKey || !kyber) {
    throw new StanzaError("malformed", "incomplete bundle");
  }
  return {
    deviceId: device,
    registrationId: upload.registrationId,
    identityKey: upload.identityKey,
    signedPreKey: upload.signedPreKey,
    kyberPreKey: kyber,
    preKey: upload.preKeys[0],
  };
}
