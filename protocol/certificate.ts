import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToBase64Url, concatBytes, timingSafeEqual, utf8 } from "./bytes.ts";
import { decodeCertificateDetails, encodeCertificateDetails, type CertificateDetails, type ServerCertificate } from "./messages.ts";

/**
 * The gateway's Noise static key is certified by its Ed25519 root key, so a client that
 * pins only the root key can accept a rotated static key (XX / XXfallback) without trusting
 * whoever answers the socket. The context prefix keeps these signatures from being valid
 * for anything else the root key might ever sign.
 */
const CONTEXT = utf8.encode("parley-server-cert-v1");

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateError";
  }
}

export function rootPublicKey(rootSeed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(rootSeed);
}

export function issueCertificate(rootSeed: Uint8Array, details: CertificateDetails): ServerCertificate {
  const bytes = encodeCertificateDetails(details);
  return { details: bytes, signature: ed25519.sign(concatBytes(CONTEXT, bytes), rootSeed) };
}

/**
 * (root key, details, signature) triples whose signature verified, by their exact bytes. A
 * client reconnecting to the same gateway sees the same certificate for weeks, and an
 * Ed25519 verify in JavaScript costs more than the rest of its side of an IK handshake's
 * CPU; the same bytes can only verify the same way, so once is enough. Bounded, oldest out.
 */
const verified = new Set<string>();
const MAX_VERIFIED = 32;

function signatureVerifies(cert: ServerCertificate, rootKey: Uint8Array): boolean {
  const key = bytesToBase64Url(concatBytes(rootKey, cert.signature, cert.details));
  if (verified.has(key)) return true;
  let valid = false;
  try {
    valid = ed25519.verify(cert.signature, concatBytes(CONTEXT, cert.details), rootKey);
  } catch {
    valid = false;
  }
  if (!valid) return false;
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.values().next().value!);
  verified.add(key);
  return true;
}

/** Checks signature, key binding and validity window; returns the decoded details. */
export function verifyCertificate(
  cert: ServerCertificate,
  rootKey: Uint8Array,
  handshakeStaticKey: Uint8Array,
  nowMs: number,
): CertificateDetails {
  if (!signatureVerifies(cert, rootKey)) throw new CertificateError("server certificate signature is not from the pinned root key");
  const details = decodeCertificateDetails(cert.details);
  if (!timingSafeEqual(details.staticKey, handshakeStaticKey)) {
    throw new CertificateError("server certificate is for a different static key");
  }
  if (nowMs < details.notBeforeMs || nowMs > details.notAfterMs) {
    throw new CertificateError("server certificate is outside its validity window");
  }
  return details;
}
