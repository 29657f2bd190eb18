import type { GroupChange, GroupErrorCode, GroupMemberView, NackCode } from "../protocol/stanzas/index.ts";

/**
 * What group objects and user objects hand each other (DO-to-DO RPC, docs/groups.md).
 * Everything naming a user or device was stamped by a user object, never taken from a client.
 */

/** A user's devices; `version` only grows, so a late push never replaces a newer list. */
export interface DeviceList {
  readonly version: number;
  readonly devices: readonly string[];
}

/** The user acting on a group, as their own object vouches for them. */
export interface Actor {
  readonly networkId: string;
  readonly provider: string;
  readonly devices: DeviceList;
}

/** A user object's answer to "may this adder put you in this group?". */
export type GroupConsent =
  | { readonly ok: true; readonly decision: "direct" | "invite" | "silent"; readonly devices: DeviceList }
  | { readonly ok: false; readonly code: "unknown-recipient" };

/** One log entry as one member's user object receives it. */
export type GroupEntry =
  | { readonly kind: "change"; readonly seq: number; readonly epoch: number; readonly t: number; readonly change: GroupChange; readonly by: string; readonly users: readonly string[] }
  | { readonly kind: "invite"; readonly seq: number; readonly t: number; readonly by: string; readonly invite: string; readonly expires: number }
  | {
      readonly kind: "message";
      readonly seq: number;
      readonly epoch: number;
      readonly t: number;
      readonly id: string;
      readonly from: string;
      readonly fromDevice: string;
      readonly fromProvider: string;
      readonly skmsg: string;
      /** This user's pairwise encs only. */
      readonly pairwise: readonly { readonly device: string; readonly type: "pkmsg" | "msg"; readonly payload: string }[];
      /** This user's devices the sender encrypted for (the group's list when the message was logged). */
      readonly devices: readonly string[];
    };

/** A user object stored a batch of entries (or knows no such user); it answers with its current devices. */
export type GroupDeliveryAnswer = { readonly ok: true; readonly devices: DeviceList } | { readonly ok: false; readonly code: "unknown-recipient" };

export type GroupOp =
  | { readonly op: "add"; readonly members: readonly string[] }
  | { readonly op: "remove" | "promote" | "demote"; readonly user: string }
  | { readonly op: "leave" }
  | { readonly op: "join"; readonly invite: string };

export type GroupRefusal = { readonly ok: false; readonly code: GroupErrorCode; readonly text: string };

export type GroupOpResult =
  | {
      readonly ok: true;
      readonly id: string;
      readonly epoch: number;
      readonly role?: GroupMemberView["role"];
      readonly members?: readonly GroupMemberView[];
      readonly invited?: readonly string[];
      readonly more?: boolean;
    }
  | GroupRefusal;

/** A group message as the sender's user object forwards it. */
export interface GroupPost {
  readonly from: string;
  readonly fromDevice: string;
  readonly fromProvider: string;
  readonly id: string;
  readonly t: number;
  readonly epoch: number;
  readonly phash: string;
  readonly skmsg: string;
  readonly pairwise: readonly { readonly to: string; readonly device: string; readonly type: "pkmsg" | "msg"; readonly payload: string }[];
}

export type PostResult =
  | { readonly ok: true; readonly duplicate: boolean }
  | { readonly ok: false; readonly code: NackCode; readonly text: string; readonly attrs?: Readonly<Record<string, string>> };
