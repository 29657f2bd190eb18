import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { CertificateError, issueCertificate, rootPublicKey, verifyCertificate } from "../../protocol/certificate.ts";

// The client remembers signatures it has verified (protocol/certificate.ts): whatever it
// remembers, a certificate whose bytes differ in any way must be checked afresh.
describe("gateway certificates", () => {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const root = rootPublicKey(seed);
  const staticKey = crypto.getRandomValues(new Uint8Array(32));
  const now = Date.now();
  const cert = issueCertificate(seed, { staticKey, issuer: "test", notBeforeMs: now - 1000, notAfterMs: now + 60_000 });

  it("verifies, and verifies again from memory", () => {
    expect(verifyCertificate(cert, root, staticKey, now).issuer).toBe("test");
    expect(verifyCertificate(cert, root, staticKey, now).issuer).toBe("test");
  });

  it("refuses a tampered signature or details, and another root, after the genuine one verified", () => {
    verifyCertificate(cert, root, staticKey, now);
    const signature = cert.signature.slice();
    signature[10]! ^= 1;
    expect(() => verifyCertificate({ ...cert, signature }, root, staticKey, now)).toThrow(CertificateError);
    const details = cert.details.slice();
    details[details.length - 1]! ^= 1;
    expect(() => verifyCertificate({ ...cert, details }, root, staticKey, now)).toThrow(CertificateError);
    const otherRoot = ed25519.getPublicKey(crypto.getRandomValues(new Uint8Array(32)));
    expect(() => verifyCertificate(cert, otherRoot, staticKey, now)).toThrow(/pinned root key/);
  });

  it("still checks the key binding and the validity window on a remembered signature", () => {
    verifyCertificate(cert, root, staticKey, now);
    expect(() => verifyCertificate(cert, root, crypto.getRandomValues(new Uint8Array(32)), now)).toThrow(/different static key/);
    expect(() => verifyCertificate(cert, root, staticKey, now + 120_000)).toThrow(/validity window/);
  });
});
