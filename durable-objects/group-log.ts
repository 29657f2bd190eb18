import type { GroupChange } from "../protocol/stanzas/index.ts";
import type { GroupEntry } from "./group-types.ts";

/**
 * The group's ordered log (SQLite): every membership change, invitation and message, each
 * with its sequence number. A sender's message is acknowledged once its row is committed
 * here; rows go once every user they are for has stored them (group-fanout.ts).
 */
export const GROUP_LOG_TABLES: readonly string[] = [
  // AUTOINCREMENT: a sequence is never reused, even after the newest rows are pruned.
  `CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, epoch INTEGER NOT NULL, t INTEGER NOT NULL,
    target TEXT, devrev INTEGER NOT NULL, body TEXT NOT NULL)`,
  // Messages accepted, by sender and stanza ID, for as long as a sender might retry one.
  "CREATE TABLE IF NOT EXISTS posted (sender TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (sender, id))",
  "CREATE INDEX IF NOT EXISTS posted_by_time ON posted (at)",
];

export type LogBody =
  | { readonly kind: "change"; readonly change: GroupChange; readonly by: string; readonly users: readonly string[] }
  /** For `target` only. */
  | { readonly kind: "invite"; readonly by: string; readonly invite: string; readonly expires: number }
  | {
      readonly kind: "message";
      readonly id: string;
      readonly from: string;
      readonly fromDevice: string;
      readonly fromProvider: string;
      readonly skmsg: string;
      /** [to, device, type, payload] */
      readonly pairwise: readonly (readonly [string, string, "pkmsg" | "msg", string])[];
    };

export interface LogRow {
  readonly seq: number;
  readonly epoch: number;
  readonly t: number;
  readonly devrev: number;
  readonly body: LogBody;
  /** Stored size, to bound a delivery batch. */
  readonly bytes: number;
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  epoch: number;
  t: number;
  devrev: number;
  body: string;
}

export class GroupLog {
  #prunedAtMs = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly dedupeMs: number,
  ) {}

  append(epoch: number, t: number, devrev: number, body: LogBody, target?: string): number {
    return this.sql
      .exec<{ seq: number }>("INSERT INTO log (kind, epoch, t, target, devrev, body) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq", body.kind, epoch, t, target ?? null, devrev, JSON.stringify(body))
      .one().seq;
  }

  /** Whether `sender` already posted message `id` (a retry after a lost ack). */
  posted(sender: string, id: string): boolean {
    return this.sql.exec("SELECT 1 FROM posted WHERE sender = ? AND id = ?", sender, id).toArray().length > 0;
  }

  recordPosted(sender: string, id: string, seq: number, nowMs: number): void {
    if (nowMs - this.#prunedAtMs > 60_000) {
      this.sql.exec("DELETE FROM posted WHERE at < ?", nowMs - this.dedupeMs);
      this.#prunedAtMs = nowMs;
    }
    this.sql.exec("INSERT INTO posted (sender, id, seq, at) VALUES (?, ?, ?, ?)", sender, id, seq, nowMs);
  }

  /** The newest sequence ever logged (0 before the first). */
  lastSeq(): number {
    return this.sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'log'").toArray()[0]?.seq ?? 0;
  }

  /**
   * What `user` receives after `after`, in order: entries inside one of their membership
   * spans, and invitations addressed to them.
   */
  visible(user: string, after: number, limit: number): LogRow[] {
    return this.sql
      .exec<Row>(
        `SELECT seq, epoch, t, devrev, body FROM log WHERE seq > ? AND (
           (kind = 'invite' AND target = ?) OR
           (kind != 'invite' AND EXISTS (SELECT 1 FROM spans s WHERE s.user = ? AND s.from_seq <= log.seq AND (s.to_seq IS NULL OR s.to_seq >= log.seq))))
         ORDER BY seq LIMIT ?`,
        after, user, user, limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, epoch: r.epoch, t: r.t, devrev: r.devrev, body: JSON.parse(r.body) as LogBody, bytes: r.body.length }));
  }

  /** Drops entries every recipient has stored. */
  prune(through: number): void {
    this.sql.exec("DELETE FROM log WHERE seq <= ?", through);
  }

  /** The device revision of the oldest message still logged (its recipients' lists must stay). */
  oldestMessageDevrev(): number | null {
    return this.sql.exec<{ r: number | null }>("SELECT MIN(devrev) AS r FROM log WHERE kind = 'message'").one().r;
  }
}

/** An entry as `user` receives it: a message keeps only that user's pairwise encs and devices. */
export function entryFor(row: LogRow, user: string, devicesAt: (user: string, rev: number) => readonly string[]): GroupEntry {
  const b = row.body;
  switch (b.kind) {
    case "change":
      return { kind: "change", seq: row.seq, epoch: row.epoch, t: row.t, change: b.change, by: b.by, users: b.users };
    case "invite":
      return { kind: "invite", seq: row.seq, t: row.t, by: b.by, invite: b.invite, expires: b.expires };
    case "message":
      return {
        kind: "message",
        seq: row.seq,
        epoch: row.epoch,
        t: row.t,
        id: b.id,
        from: b.from,
        fromDevice: b.fromDevice,
        fromProvider: b.fromProvider,
        skmsg: b.skmsg,
        pairwise: b.pairwise.filter(([to]) => to === user).map(([, device, type, payload]) => ({ device, type, payload })),
        devices: devicesAt(user, row.devrev),
      };
  }
}
