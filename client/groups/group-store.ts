// What a device keeps per group: the membership it last read, the group's encrypted-content
// info (name, picture), its own sender key and who has it, and the sender keys it received.
// Plain data, replaced whole on every change: an operation that fails stores nothing.
import { decodeContent, encodeContent, type GroupInfo } from "../../protocol/content.ts";
import { base64UrlToBytes, bytesToBase64Url, bytesToHex } from "../../protocol/bytes.ts";
import type { GroupRole } from "../../protocol/stanzas/index.ts";
import {
  senderKeyRecordFromJSON,
  senderKeyRecordToJSON,
  senderKeyStateFromJSON,
  senderKeyStateToJSON,
  type JsonValue,
  type SenderKeyRecord,
  type SenderKeyState,
} from "../signal/sender-keys/index.ts";

export interface GroupMember {
  readonly user: string;
  readonly role: GroupRole;
  readonly devices: readonly string[];
}

/** This device's sending chain for one group, and the member devices (`user.device`) it was given to. */
export interface OwnSenderKey {
  readonly state: SenderKeyState;
  readonly sharedWith: readonly string[];
}

export interface GroupState {
  readonly id: string;
  readonly epoch: number;
  /** As the last group-get answered; empty until the group was first read. */
  readonly members: readonly GroupMember[];
  /** The group changed since `members` was read: read it again before the next send. */
  readonly stale: boolean;
  /** This user is no longer a member (removed, or left). */
  readonly left: boolean;
  readonly info?: GroupInfo;
  readonly ownKey?: OwnSenderKey;
}

export interface GroupStore {
  group(id: string): GroupState | undefined;
  groups(): GroupState[];
  saveGroup(group: GroupState): void;
  /** A received sender key: per group, sender device and distribution id, so one group's key never opens another's messages. */
  senderKey(group: string, address: string, distributionId: Uint8Array): SenderKeyRecord | undefined;
  saveSenderKey(group: string, address: string, record: SenderKeyRecord): void;
}

export const GROUP_STATE_FORMAT = "parley-groups";
export const GROUP_STATE_VERSION = 1;

const keyOf = (group: string, address: string, distributionId: Uint8Array) => `${group}|${address}|${bytesToHex(distributionId)}`;

// GroupInfo holds media (bytes); its protobuf form is already a checked, versioned encoding.
const infoToJson = (info: GroupInfo): string =>
  bytesToBase64Url(encodeContent({ id: "", sentAtMs: 0, body: { type: "group-info", ...info } }));
function infoFromJson(v: unknown): GroupInfo {
  if (typeof v !== "string") throw new TypeError("group info: expected a base64url string");
  const body = decodeContent(base64UrlToBytes(v)).body;
  if (body.type !== "group-info") throw new TypeError("group info: not a group-info body");
  const { type: _type, ...info } = body;
  return info;
}

function array(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${path}: expected an array`);
  return v;
}

function string(v: unknown, path: string): string {
  if (typeof v !== "string") throw new TypeError(`${path}: expected a string`);
  return v;
}

export class MemoryGroupStore implements GroupStore {
  readonly #groups = new Map<string, GroupState>();
  readonly #senderKeys = new Map<string, { group: string; address: string; record: SenderKeyRecord }>();

  group(id: string): GroupState | undefined {
    return this.#groups.get(id);
  }

  groups(): GroupState[] {
    return [...this.#groups.values()];
  }

  saveGroup(group: GroupState): void {
    this.#groups.set(group.id, group);
  }

  senderKey(group: string, address: string, distributionId: Uint8Array): SenderKeyRecord | undefined {
    return this.#senderKeys.get(keyOf(group, address, distributionId))?.record;
  }

  saveSenderKey(group: string, address: string, record: SenderKeyRecord): void {
    this.#senderKeys.set(keyOf(group, address, record.distributionId), { group, address, record });
  }

  /** Everything as JSON-serializable data. Contains this device's sender keys' private parts. */
  exportState(): JsonValue {
    return {
      format: GROUP_STATE_FORMAT,
      version: GROUP_STATE_VERSION,
      groups: this.groups().map((g) => ({
        id: g.id,
        epoch: g.epoch,
        members: g.members.map((m) => ({ user: m.user, role: m.role, devices: [...m.devices] })),
        stale: g.stale,
        left: g.left,
        info: g.info ? infoToJson(g.info) : null,
        ownKey: g.ownKey ? { state: senderKeyStateToJSON(g.ownKey.state), sharedWith: [...g.ownKey.sharedWith] } : null,
      })),
      senderKeys: [...this.#senderKeys.values()].map((k) => ({ group: k.group, address: k.address, record: senderKeyRecordToJSON(k.record) })),
    };
  }

  /** Rebuilds a store from exportState() output (or its JSON.parse); throws on anything else. */
  static importState(state: unknown): MemoryGroupStore {
    const o = state as Record<string, unknown> | null;
    if (typeof o !== "object" || o === null || o.format !== GROUP_STATE_FORMAT || o.version !== GROUP_STATE_VERSION) {
      throw new TypeError(`group state: expected format ${GROUP_STATE_FORMAT} version ${GROUP_STATE_VERSION}`);
    }
    const store = new MemoryGroupStore();
    array(o.groups, "groups").forEach((v, i) => {
      const g = v as Record<string, unknown>;
      const path = `groups[${i}]`;
      const ownKey = g.ownKey as { state?: unknown; sharedWith?: unknown } | null;
      const epoch = g.epoch;
      if (typeof epoch !== "number" || !Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError(`${path}.epoch: expected an integer`);
      store.saveGroup({
        id: string(g.id, `${path}.id`),
        epoch,
        members: array(g.members, `${path}.members`).map((mv, j) => {
          const m = mv as Record<string, unknown>;
          const role = m.role === "admin" ? "admin" : m.role === "member" ? "member" : null;
          if (!role) throw new TypeError(`${path}.members[${j}].role: expected admin or member`);
          return { user: string(m.user, `${path}.members[${j}].user`), role, devices: array(m.devices, `${path}.members[${j}].devices`).map((d) => string(d, "device")) };
        }),
        stale: g.stale === true,
        left: g.left === true,
        ...(g.info ? { info: infoFromJson(g.info) } : {}),
        ...(ownKey
          ? { ownKey: { state: senderKeyStateFromJSON(ownKey.state), sharedWith: array(ownKey.sharedWith, `${path}.ownKey.sharedWith`).map((a) => string(a, "address")) } }
          : {}),
      });
    });
    array(o.senderKeys, "senderKeys").forEach((v, i) => {
      const k = v as Record<string, unknown>;
      store.saveSenderKey(string(k.group, `senderKeys[${i}].group`), string(k.address, `senderKeys[${i}].address`), senderKeyRecordFromJSON(k.record));
    });
    return store;
  }
}
