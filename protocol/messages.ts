// Typed, validated wrappers over the generated protobuf code: nothing outside this
// module touches protobufjs, and nothing decoded leaves it unchecked.
import "../proto/runtime.ts";
import { parley } from "../proto/generated/parley.js";

const pb = parley.v1;

export class MessageFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MessageFormatError";
  }
}

function decodeWith<T>(what: string, decode: (b: Uint8Array) => T, bytes: Uint8Array): T {
  try {
    return decode(bytes);
  } catch (err) {
    throw new MessageFormatError(`malformed ${what}: ${(err as Error).message}`);
  }
}

function boundedString(what: string, value: string, max: number): string {
  if (value.length > max) throw new MessageFormatError(`${what} longer than ${max} characters`);
  return value;
}

export interface ClientHello {
  readonly networkId: string;
  readonly deviceId: string;
  readonly providerToken: string;
  readonly clientVersion: string;
  /** The client reads several stanzas per transport message (channel 0x02). */
  readonly stanzaBatches?: boolean;
}

/** Provider JWTs are small; 8 KiB leaves room for large RSA kids and claims without inviting abuse. */
export const MAX_PROVIDER_TOKEN = 8192;

export function encodeClientHello(hello: ClientHello): Uint8Array {
  return pb.ClientHello.encode(hello).finish();
}

export function decodeClientHello(bytes: Uint8Array): ClientHello {
  const m = decodeWith("ClientHello", (b) => pb.ClientHello.decode(b), bytes);
  return {
    networkId: boundedString("networkId", m.networkId, 128),
    deviceId: boundedString("deviceId", m.deviceId, 128),
    providerToken: boundedString("providerToken", m.providerToken, MAX_PROVIDER_TOKEN),
    clientVersion: boundedString("clientVersion", m.clientVersion, 128),
    stanzaBatches: m.stanzaBatches === true,
  };
}

export interface CertificateDetails {
  readonly staticKey: Uint8Array;
  readonly issuer: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

export interface ServerCertificate {
  /** The exact signed bytes (an encoded CertificateDetails). */
  readonly details: Uint8Array;
  readonly signature: Uint8Array;
}

export interface ServerHello {
  readonly certificate: ServerCertificate;
  readonly serverTimeMs: number;
}

export function encodeCertificateDetails(d: CertificateDetails): Uint8Array {
  return pb.CertificateDetails.encode(d).finish();
}

export function decodeCertificateDetails(bytes: Uint8Array): CertificateDetails {
  const m = decodeWith("CertificateDetails", (b) => pb.CertificateDetails.decode(b), bytes);
  return {
    staticKey: m.staticKey,
    issuer: boundedString("issuer", m.issuer, 256),
    notBeforeMs: Number(m.notBeforeMs),
    notAfterMs: Number(m.notAfterMs),
  };
}

export function encodeServerHello(hello: ServerHello): Uint8Array {
  return pb.ServerHello.encode(hello).finish();
}

export function decodeServerHello(bytes: Uint8Array): ServerHello {
  const m = decodeWith("ServerHello", (b) => pb.ServerHello.decode(b), bytes);
  if (!m.certificate) throw new MessageFormatError("ServerHello without certificate");
  return {
    certificate: { details: m.certificate.details ?? new Uint8Array(0), signature: m.certificate.signature ?? new Uint8Array(0) },
    serverTimeMs: Number(m.serverTimeMs),
  };
}

export type Control =
  | { readonly kind: "ping"; readonly id: number }
  | { readonly kind: "pong"; readonly id: number }
  /** `stanzaBatches`: the gateway reads several stanzas per transport message (channel 0x02). */
  | { readonly kind: "ready"; readonly sessionId: string; readonly serverTimeMs: number; readonly stanzaBatches?: boolean }
  | { readonly kind: "error"; readonly code: string; readonly message: string };

export function encodeControl(c: Control): Uint8Array {
  switch (c.kind) {
    case "ping":
      return pb.Control.encode({ ping: { id: c.id } }).finish();
    case "pong":
      return pb.Control.encode({ pong: { id: c.id } }).finish();
    case "ready":
      return pb.Control.encode({ ready: { sessionId: c.sessionId, serverTimeMs: c.serverTimeMs, stanzaBatches: c.stanzaBatches } }).finish();
    case "error":
      return pb.Control.encode({ error: { code: c.code, message: c.message } }).finish();
  }
}

export function decodeControl(bytes: Uint8Array): Control {
  const m = decodeWith("Control", (b) => pb.Control.decode(b), bytes);
  if (m.ping) return { kind: "ping", id: m.ping.id ?? 0 };
  if (m.pong) return { kind: "pong", id: m.pong.id ?? 0 };
  if (m.ready) return { kind: "ready", sessionId: m.ready.sessionId ?? "", serverTimeMs: Number(m.ready.serverTimeMs ?? 0), stanzaBatches: m.ready.stanzaBatches === true };
  if (m.error) return { kind: "error", code: m.error.code ?? "", message: m.error.message ?? "" };
  throw new MessageFormatError("Control frame of unknown kind");
}
