import { ed25519 } from "@noble/curves/ed25519.js";
import { concatBytes, timingSafeEqual, utf8 } from "./bytes.ts";
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

/** Checks signature, key binding and validity window; returns the decoded details. */
export function verifyCertificate(
  cert: ServerCertificate,
  rootKey: Uint8Array,
  handshakeStaticKey: Uint8Array,
  nowMs: number,
): CertificateDetails {
  let valid = false;
  try {
    valid = ed25519.verify(cert.signature, concatBytes(CONTEXT, cert.details), rootKey);
  } catch {
    valid = false;
  }
  if (!valid) throw new CertificateError("server certificate signature is not from the pinned root key");
  const details = decodeCertificateDetails(cert.details);
  if (!timingSafeEqual(details.staticKey, handshakeStaticKey)) {
    throw new CertificateError("server certificate is for a different static key");
  }
  if (nowMs < details.notBeforeMs || nowMs > details.notAfterMs) {
    throw new CertificateError("server certificate is outside its validity window");
  }
  return details;
}
