// A chat user's device, kept between runs in .parley/chat/<name>.json: the enrolled Noise
// key (so restarting is the same device, not a new one each time), the Signal store (so
// sessions and prekeys survive), the gateway key learned for IK, and the names of the
// people this user has talked to (the gateway only ever says who wrote by network ID), its
// groups (membership as last read, names, sender keys) and the invitations it has not answered.
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { base64UrlToBytes, bytesToBase64Url } from "../protocol/bytes.ts";
import { isNetworkId } from "../protocol/identifiers.ts";

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
  /** Network ID -> name, for every peer whose name this user learned. */
  readonly peers: Map<string, string>;
  /** The group store's export (MemoryGroupStore.exportState); null in profiles written before groups. */
  groups: unknown;
  /** Group ID -> an invitation not answered yet: the gateway sends each once. */
  readonly invites: Map<string, Invitation>;
}

export interface Invitation {
  /** The inviting user's network ID. */
  readonly from: string;
  /** The token `group-join` takes. */
  readonly invite: string;
  readonly expiresMs: number;
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
  /** Absent in profiles written before names were remembered. */
  readonly peers?: Readonly<Record<string, string>>;
  /** Both absent in profiles written before groups. */
  readonly groups?: unknown;
  readonly invites?: Readonly<Record<string, Invitation>>;
}

/** A profile file that cannot be used as it is; the message says what to do about it. */
export class ProfileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "ProfileError";
  }
}

/** The profile was made on another gateway: its device and network ID mean nothing to this one. */
export class GatewayMismatchError extends ProfileError {
  constructor(
    path: string,
    readonly profileGateway: string,
    readonly requestedGateway: string,
  ) {
    super(path, `${path} belongs to the gateway at ${profileGateway}, not ${requestedGateway}: use another name or remove ${path}`);
    this.name = "GatewayMismatchError";
  }
}

export function profilePath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.json`);
}

function readPeers(path: string, stored: unknown): Map<string, string> {
  if (stored === undefined) return new Map();
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) throw new ProfileError(path, `${path}: "peers" is not an object; remove it to start over`);
  const peers = new Map<string, string>();
  for (const [id, name] of Object.entries(stored)) {
    if (!isNetworkId(id) || typeof name !== "string" || name === "") throw new ProfileError(path, `${path}: "peers" holds an entry that is not network ID -> name; remove it to start over`);
    peers.set(id, name);
  }
  return peers;
}

function readInvites(path: string, stored: unknown): Map<string, Invitation> {
  if (stored === undefined) return new Map();
  const bad = () => new ProfileError(path, `${path}: "invites" is not group ID -> invitation; remove it to start over`);
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) throw bad();
  const invites = new Map<string, Invitation>();
  for (const [group, v] of Object.entries(stored)) {
    const i = v as Partial<Invitation> | null;
    if (!isNetworkId(group) || typeof i !== "object" || i === null || typeof i.from !== "string" || typeof i.invite !== "string" || typeof i.expiresMs !== "number") throw bad();
    invites.set(group, { from: i.from, invite: i.invite, expiresMs: i.expiresMs });
  }
  return invites;
}

export async function loadProfile(path: string): Promise<Profile | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  let p: StoredProfile;
  try {
    p = JSON.parse(text) as StoredProfile;
  } catch {
    throw new ProfileError(path, `${path} is not a chat profile (not JSON); remove it to start over`);
  }
  if (p.version !== 1) throw new ProfileError(path, `${path}: unknown profile version; remove it to start over`);
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
    peers: readPeers(path, p.peers),
    groups: p.groups ?? null,
    invites: readInvites(path, p.invites),
  };
}

/**
 * Network ID -> name of every other user with a profile in `stateDir` on the same gateway:
 * people chatting from one machine (the README's three terminals) know each other at once.
 * Files that are not profiles are skipped: another user's broken file is not this user's error.
 */
export async function localUsers(stateDir: string, gatewayUrl: string, except: string): Promise<Map<string, string>> {
  const users = new Map<string, string>();
  let files: string[];
  try {
    files = await readdir(stateDir);
  } catch {
    return users;
  }
  for (const file of files) {
    if (!file.endsWith(".json") || file === basename(profilePath(stateDir, except))) continue;
    try {
      const p = JSON.parse(await readFile(join(stateDir, file), "utf8")) as Partial<StoredProfile>;
      if (p.version === 1 && p.gatewayUrl === gatewayUrl && typeof p.name === "string" && typeof p.networkId === "string" && isNetworkId(p.networkId)) users.set(p.networkId, p.name);
    } catch {
      // Removed meanwhile, or not a profile.
    }
  }
  return users;
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
    peers: Object.fromEntries(p.peers),
    groups: p.groups,
    invites: Object.fromEntries(p.invites),
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(stored), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}
