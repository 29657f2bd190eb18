// A chat user's device, kept between runs in .parley/chat/<name>.json: the enrolled Noise
// key (so restarting is the same device, not a new one each time), the Signal store (so
// sessions and prekeys survive), and the gateway key learned for IK.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { base64UrlToBytes, bytesToBase64Url } from "../protocol/bytes.ts";

export interface Profile {
  readonly name: string;
  readonly gatewayUrl: string;
  readonly networkId: string;
  readonly deviceId: string;
  readonly noisePrivateKey: Uint8Array;
  readonly rootKey: Uint8Array;
  serverStaticKey: Uint8Array | null;
  signal: unknown;
  /** Set once the Signal keys are on the gateway: a crash before that publishes on the next start. */
  keysPublished: boolean;
}

interface StoredProfile {
  readonly version: 1;
  readonly name: string;
  readonly gatewayUrl: string;
  readonly networkId: string;
  readonly deviceId: string;
  readonly noisePrivateKey: string;
  readonly rootKey: string;
  readonly serverStaticKey: string | null;
  readonly signal: unknown;
  readonly keysPublished: boolean;
}

export function profilePath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.json`);
}

export async function loadProfile(path: string): Promise<Profile | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  const p = JSON.parse(text) as StoredProfile;
  if (p.version !== 1) throw new Error(`${path}: unknown profile version; delete it to start over`);
  return {
    name: p.name,
    gatewayUrl: p.gatewayUrl,
    networkId: p.networkId,
    deviceId: p.deviceId,
    noisePrivateKey: base64UrlToBytes(p.noisePrivateKey),
    rootKey: base64UrlToBytes(p.rootKey),
    serverStaticKey: p.serverStaticKey ? base64UrlToBytes(p.serverStaticKey) : null,
    signal: p.signal,
    keysPublished: p.keysPublished === true,
  };
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves half a profile. */
export async function saveProfile(path: string, p: Profile): Promise<void> {
  const stored: StoredProfile = {
    version: 1,
    name: p.name,
    gatewayUrl: p.gatewayUrl,
    networkId: p.networkId,
    deviceId: p.deviceId,
    noisePrivateKey: bytesToBase64Url(p.noisePrivateKey),
    rootKey: bytesToBase64Url(p.rootKey),
    serverStaticKey: p.serverStaticKey ? bytesToBase64Url(p.serverStaticKey) : null,
    signal: p.signal,
    keysPublished: p.keysPublished,
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(stored), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}
