import { entryFor, type GroupLog } from "./group-log.ts";
import type { GroupMembership } from "./group-membership.ts";
import type { GroupDeliveryAnswer, GroupEntry } from "./group-types.ts";

/**
 * Carries the log to every user it is for (docs/groups.md, "Durability and order"): one
 * cursor per user, the last sequence that user's object has stored. Run from the group
 * object's alarm: a batch is sent, and the cursor moves only once that object answered, so
 * every entry arrives at least once and in log order; the user object drops repeats.
 */
export const GROUP_FANOUT_TABLES: readonly string[] = [
  "CREATE TABLE IF NOT EXISTS cursors (user TEXT PRIMARY KEY, through INTEGER NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL)",
];

const BATCH = 64;
/** Per delivery call, so a burst of large messages stays a modest RPC. */
const BATCH_BYTES = 512 * 1024;
/** User objects called at once. */
const PARALLEL = 16;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 10 * 60_000;

export interface FanOutDeps {
  readonly log: GroupLog;
  readonly membership: GroupMembership;
  readonly cursors: GroupCursors;
  /** Stores entries at one user's object (RPC). */
  readonly deliver: (user: string, entries: readonly GroupEntry[]) => Promise<GroupDeliveryAnswer>;
  readonly now: () => number;
}

export class GroupCursors {
  constructor(private readonly sql: SqlStorage) {}

  /** Starts delivering to `user` after `through`; a user with a cursor keeps it (a re-added member resumes). */
  open(user: string, through: number, nowMs: number): void {
    this.sql.exec("INSERT INTO cursors (user, through, attempts, next_at) VALUES (?, ?, 0, ?) ON CONFLICT (user) DO UPDATE SET next_at = MIN(next_at, excluded.next_at)", user, through, nowMs);
  }

  /** Users with entries waiting whose next attempt is due. */
  due(lastSeq: number, nowMs: number): { user: string; through: number; attempts: number }[] {
    return this.sql.exec<{ user: string; through: number; attempts: number }>("SELECT user, through, attempts FROM cursors WHERE through < ? AND next_at <= ? ORDER BY next_at LIMIT 256", lastSeq, nowMs).toArray();
  }

  advance(user: string, through: number, nowMs: number): void {
    this.sql.exec("UPDATE cursors SET through = MAX(through, ?), attempts = 0, next_at = ? WHERE user = ?", through, nowMs, user);
  }

  /** Exponential backoff, 1 s doubling to 10 min, for as long as it takes. */
  failed(user: string, attempts: number, nowMs: number): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts, 20));
    this.sql.exec("UPDATE cursors SET attempts = ?, next_at = ? WHERE user = ?", attempts + 1, nowMs + delay, user);
  }

  drop(user: string): void {
    this.sql.exec("DELETE FROM cursors WHERE user = ?", user);
  }

  /** When the next delivery is due (null: every user has everything). */
  nextAt(lastSeq: number): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(next_at) AS t FROM cursors WHERE through < ?", lastSeq).one().t;
  }

  /** The lowest cursor: every entry at or below it has reached every user. */
  minThrough(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(through) AS t FROM cursors").one().t;
  }

  /** Cursors of users who are neither members nor invited and have everything they will ever get. */
  dropFinished(lastSeq: number, nowMs: number): void {
    this.sql.exec(
      "DELETE FROM cursors WHERE through >= ? AND user NOT IN (SELECT user FROM members) AND user NOT IN (SELECT user FROM invites WHERE expires_at > ?)",
      lastSeq, nowMs,
    );
  }
}

/** Delivers everything due, user by user in parallel, batch by batch per user; then prunes what all have. */
export async function fanOut(deps: FanOutDeps): Promise<void> {
  for (;;) {
    const due = deps.cursors.due(deps.log.lastSeq(), deps.now());
    if (due.length === 0) break;
    for (let i = 0; i < due.length; i += PARALLEL) {
      await Promise.all(due.slice(i, i + PARALLEL).map((c) => deliverOne(deps, c)));
    }
  }
  prune(deps);
}

async function deliverOne(deps: FanOutDeps, cursor: { user: string; through: number; attempts: number }): Promise<void> {
  const { log, membership, cursors } = deps;
  // Read together, before any await: the batch and how far it shows the log to be.
  const upTo = log.lastSeq();
  const rows = log.visible(cursor.user, cursor.through, BATCH);
  let bytes = 0;
  const batch = rows.filter((r) => (bytes += r.bytes) <= BATCH_BYTES || r === rows[0]);
  const complete = batch.length === rows.length && rows.length < BATCH;
  const through = complete ? upTo : batch.at(-1)!.seq;
  if (batch.length === 0) return cursors.advance(cursor.user, through, deps.now());
  const entries = batch.map((r) => entryFor(r, cursor.user, (u, rev) => membership.devicesOf(u, rev)));
  let answer: GroupDeliveryAnswer;
  try {
    answer = await deps.deliver(cursor.user, entries);
  } catch (err) {
    console.warn("group fan-out failed; retrying with backoff", err);
    return cursors.failed(cursor.user, cursor.attempts, deps.now());
  }
  if (!answer.ok) return cursors.drop(cursor.user); // no such user: nothing will ever reach them
  cursors.advance(cursor.user, through, deps.now());
  // Every delivery refreshes what the group knows of the user's devices.
  membership.setDevices(cursor.user, answer.devices);
}

function prune(deps: FanOutDeps): void {
  const now = deps.now();
  const last = deps.log.lastSeq();
  deps.membership.pruneInvites(now);
  deps.cursors.dropFinished(last, now);
  deps.log.prune(deps.cursors.minThrough() ?? last);
  deps.membership.pruneDevices(deps.log.oldestMessageDevrev());
}
