// The SPQR symmetric chain ([DR] §5; docs/spqr-notes.md §3, §8): one link per epoch, each with
// a send and a receive direction, producing the pq_key that salts every message's
// WhisperMessageKeys. Epoch 0 comes from K_spqr, epoch n from the braid's epoch secret K_n.
//
// Retention and limits, settled by black-box observation of libsignal 0.103
// (test/node/spqr-chain.test.ts):
// - Links below (send epoch − 1) are dropped when the send epoch moves up: once we send in
//   epoch s, the peer has K_s, so it no longer sends in s − 2 or older. libsignal then answers
//   "epoch not in valid range"; we throw "too-far" (and "unknown-epoch" for an epoch not yet added).
// - A receive index may run at most 25000 past the direction's counter ("Key jump").
// - At most 2000 skipped keys are kept per direction, the newest; an older one is gone
//   ("Key trimmed"), which we report as "too-far". A key that was stored and used is "key-used".
// A chain is plain immutable data (it lives in session records, which must survive structured
// clone); every function returns a new chain, so a message that later fails to authenticate
// leaves the stored chain as it was.
import { base64UrlToBytes, bytesToBase64Url } from "../../../protocol/bytes.ts";
import { SpqrError } from "./errors.ts";
import { KEY_SIZE, deriveChainEpoch, deriveChainNext, deriveChainStart, requireEpoch, requireKey, type EpochKeys } from "./kdf.ts";

export const MAX_JUMP = 25_000;
export const MAX_STORED_KEYS = 2_000;
const MAX_INDEX = 0xffff_ffff;
const MAX_U64 = (1n << 64n) - 1n;

/** Alice is the PQXDH initiator: she sends with the A2B half of every epoch. */
export type SpqrRole = "alice" | "bob";

export interface SendDirection {
  readonly ctr: number;
  readonly next: Uint8Array;
}

export interface SkippedKey {
  readonly index: number;
  readonly key: Uint8Array;
}

export interface ReceiveDirection extends SendDirection {
  /** Skipped keys in ascending index order, all below `ctr` (new ones are always above the old). */
  readonly skipped: readonly SkippedKey[];
  /** Every index ≤ this that is not in `skipped` was dropped to keep the limit. */
  readonly trimmed: number;
}

export interface ChainLink {
  readonly epoch: bigint;
  readonly send: SendDirection;
  readonly recv: ReceiveDirection;
}

export interface SpqrChain {
  readonly role: SpqrRole;
  readonly nextRoot: Uint8Array;
  /** Contiguous epochs, oldest first; never empty. */
  readonly links: readonly ChainLink[];
  readonly sendEpoch: bigint;
}

export interface SpqrChainJSON {
  readonly role: SpqrRole;
  readonly nextRoot: string;
  readonly sendEpoch: string;
  readonly links: readonly {
    readonly epoch: string;
    readonly send: { readonly ctr: number; readonly next: string };
    readonly recv: { readonly ctr: number; readonly next: string; readonly trimmed: number; readonly skipped: readonly (readonly [number, string])[] };
  }[];
}

export function chainStart(kSpqr: Uint8Array, role: SpqrRole): SpqrChain {
  if (role !== "alice" && role !== "bob") throw new SpqrError("bad-state", "role must be \"alice\" or \"bob\"");
  const keys = deriveChainStart(kSpqr);
  return { role, nextRoot: keys.nextRoot, links: [link(0n, keys, role)], sendEpoch: 0n };
}

/** The newest epoch with a link. */
export const chainEpoch = (chain: SpqrChain): bigint => chain.links[chain.links.length - 1]!.epoch;

/** Epochs the receive side can still take messages for, oldest first. */
export const chainReceiveEpochs = (chain: SpqrChain): readonly bigint[] => chain.links.map((l) => l.epoch);

export function chainAddEpoch(chain: SpqrChain, epoch: bigint, key: Uint8Array): SpqrChain {
  requireEpoch(epoch);
  requireKey(key, "epoch secret");
  const newest = chainEpoch(chain);
  if (epoch !== newest + 1n) throw new SpqrError("bad-epoch", `epoch ${epoch} is not the next epoch (${newest + 1n})`);
  const keys = deriveChainEpoch(chain.nextRoot, key);
  return { ...chain, nextRoot: keys.nextRoot, links: [...chain.links, link(epoch, keys, chain.role)] };
}

/** Moving the send epoch up drops the links the peer can no longer use (see the file comment). */
export function chainSetSendEpoch(chain: SpqrChain, epoch: bigint): SpqrChain {
  requireEpoch(epoch);
  if (epoch < chain.sendEpoch) throw new SpqrError("bad-epoch", `send epoch cannot go back from ${chain.sendEpoch} to ${epoch}`);
  if (epoch > chainEpoch(chain)) throw new SpqrError("unknown-epoch", `no chain link for send epoch ${epoch}`);
  if (epoch === chain.sendEpoch) return chain;
  return { ...chain, links: chain.links.filter((l) => l.epoch + 1n >= epoch), sendEpoch: epoch };
}

export function chainNextSendKey(chain: SpqrChain): { chain: SpqrChain; epoch: bigint; index: number; key: Uint8Array } {
  const at = find(chain, chain.sendEpoch);
  const current = chain.links[at]!;
  const index = current.send.ctr + 1;
  if (index > MAX_INDEX) throw new SpqrError("out-of-range", "the send direction has used all 2^32−1 indices");
  const step = deriveChainNext(current.send.next, index);
  return { chain: replace(chain, at, { ...current, send: { ctr: index, next: step.next } }), epoch: chain.sendEpoch, index, key: step.key };
}

export function chainReceiveKey(chain: SpqrChain, epoch: bigint, index: number): { chain: SpqrChain; key: Uint8Array } {
  requireEpoch(epoch);
  if (!Number.isInteger(index) || index < 1 || index > MAX_INDEX) throw new SpqrError("out-of-range", "a receive index must be an integer in 1..2^32−1");
  const at = find(chain, epoch);
  const current = chain.links[at]!;
  const { recv } = current;
  if (index <= recv.ctr) {
    const found = recv.skipped.findIndex((s) => s.index === index);
    if (found < 0) {
      if (index <= recv.trimmed) throw new SpqrError("too-far", `key ${index} of epoch ${epoch} was dropped (at most ${MAX_STORED_KEYS} are kept)`);
      throw new SpqrError("key-used", `key ${index} of epoch ${epoch} was already used`);
    }
    const skipped = [...recv.skipped.slice(0, found), ...recv.skipped.slice(found + 1)];
    return { chain: replace(chain, at, { ...current, recv: { ...recv, skipped } }), key: recv.skipped[found]!.key };
  }
  if (index - recv.ctr > MAX_JUMP) throw new SpqrError("too-far", `index ${index} is more than ${MAX_JUMP} past ${recv.ctr} in epoch ${epoch}`);
  let trimmed = recv.trimmed;
  // Keys that would be trimmed right away are stepped over without being stored.
  const firstKept = Math.max(recv.ctr + 1, index - MAX_STORED_KEYS);
  if (firstKept > recv.ctr + 1) trimmed = Math.max(trimmed, firstKept - 1);
  let next = recv.next;
  let key: Uint8Array | undefined;
  const added: SkippedKey[] = [];
  for (let c = recv.ctr + 1; c <= index; c++) {
    const step = deriveChainNext(next, c);
    next = step.next;
    if (c === index) key = step.key;
    else if (c >= firstKept) added.push({ index: c, key: step.key });
  }
  // The in-order case, most messages, keeps the array it was given.
  let skipped = added.length === 0 ? recv.skipped : [...recv.skipped, ...added];
  const excess = skipped.length - MAX_STORED_KEYS;
  if (excess > 0) {
    trimmed = Math.max(trimmed, skipped[excess - 1]!.index);
    skipped = skipped.slice(excess);
  }
  return { chain: replace(chain, at, { ...current, recv: { ctr: index, next, skipped, trimmed } }), key: key! };
}

export function chainToJSON(chain: SpqrChain): SpqrChainJSON {
  return {
    role: chain.role,
    nextRoot: bytesToBase64Url(chain.nextRoot),
    sendEpoch: chain.sendEpoch.toString(),
    links: chain.links.map((l) => ({
      epoch: l.epoch.toString(),
      send: { ctr: l.send.ctr, next: bytesToBase64Url(l.send.next) },
      recv: {
        ctr: l.recv.ctr,
        next: bytesToBase64Url(l.recv.next),
        trimmed: l.recv.trimmed,
        skipped: l.recv.skipped.map((s) => [s.index, bytesToBase64Url(s.key)] as const),
      },
    })),
  };
}

export function chainFromJSON(json: unknown): SpqrChain {
  const o = record(json, "chain state");
  if (o.role !== "alice" && o.role !== "bob") throw bad("role");
  const sendEpoch = epochOf(o.sendEpoch, "sendEpoch");
  if (!Array.isArray(o.links) || o.links.length === 0) throw bad("links");
  const links = o.links.map((raw: unknown, i: number): ChainLink => {
    const l = record(raw, `links[${i}]`);
    const send = record(l.send, `links[${i}].send`), recv = record(l.recv, `links[${i}].recv`);
    const ctr = counter(recv.ctr, "recv.ctr"), trimmed = counter(recv.trimmed, "recv.trimmed");
    if (!Array.isArray(recv.skipped) || recv.skipped.length > MAX_STORED_KEYS) throw bad("recv.skipped");
    const skipped: SkippedKey[] = [];
    let last = trimmed;
    for (const entry of recv.skipped as unknown[]) {
      if (!Array.isArray(entry) || entry.length !== 2) throw bad("recv.skipped entry");
      const index = counter(entry[0], "skipped index");
      if (index <= last || index >= ctr) throw bad("skipped index order");
      skipped.push({ index, key: bytes(entry[1], "skipped key") });
      last = index;
    }
    return {
      epoch: epochOf(l.epoch, "epoch"),
      send: { ctr: counter(send.ctr, "send.ctr"), next: bytes(send.next, "send.next") },
      recv: { ctr, next: bytes(recv.next, "recv.next"), skipped, trimmed },
    };
  });
  links.forEach((l, i) => {
    if (i > 0 && l.epoch !== links[i - 1]!.epoch + 1n) throw bad("link epochs");
  });
  if (sendEpoch < links[0]!.epoch || sendEpoch > links[links.length - 1]!.epoch || links[0]!.epoch + 1n < sendEpoch) throw bad("sendEpoch");
  return { role: o.role, nextRoot: bytes(o.nextRoot, "nextRoot"), links, sendEpoch };
}

function find(chain: SpqrChain, epoch: bigint): number {
  const first = chain.links[0]!.epoch;
  if (epoch < first) throw new SpqrError("too-far", `epoch ${epoch} is no longer kept`);
  if (epoch > chainEpoch(chain)) throw new SpqrError("unknown-epoch", `no chain link for epoch ${epoch}`);
  return Number(epoch - first);
}

function replace(chain: SpqrChain, at: number, updated: ChainLink): SpqrChain {
  const links = chain.links.slice();
  links[at] = updated;
  return { ...chain, links };
}

function link(epoch: bigint, keys: EpochKeys, role: SpqrRole): ChainLink {
  const [send, recv] = role === "alice" ? [keys.a2b, keys.b2a] : [keys.b2a, keys.a2b];
  return { epoch, send: { ctr: 0, next: send }, recv: { ctr: 0, next: recv, skipped: [], trimmed: 0 } };
}

const bad = (what: string) => new SpqrError("bad-state", `chain state: bad ${what}`);

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad(what);
  return value as Record<string, unknown>;
}

function counter(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_INDEX) throw bad(what);
  return value;
}

function epochOf(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(value)) throw bad(what);
  const epoch = BigInt(value);
  if (epoch > MAX_U64) throw bad(what);
  return epoch;
}

function bytes(value: unknown, what: string): Uint8Array {
  let out: Uint8Array | undefined;
  try {
    if (typeof value === "string") out = base64UrlToBytes(value);
  } catch {
    out = undefined;
  }
  if (out?.length !== KEY_SIZE) throw bad(what);
  return out;
}
