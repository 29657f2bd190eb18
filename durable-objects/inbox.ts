/**
 * The user's durable delivery queue (SQLite): one row per (device, stanza) until that device
 * acknowledges it or it expires. A stanza is acknowledged to its sender only after its rows
 * are written here, so an accepted stanza cannot be lost by any later crash or eviction.
 */
export type InboxClass = "message" | "receipt" | "notification";

export interface InboxRow {
  readonly seq: number;
  readonly deviceId: string;
  readonly class: InboxClass;
  readonly sender: string;
  readonly key: string;
  readonly stanza: string;
  readonly notifySender: boolean;
}

/** What a device's ack names: a stored item, by class, sender and dedupe key. */
export interface AckedItem {
  readonly class: InboxClass;
  readonly from: string;
  readonly key: string;
}

/** Acks removed per statement: 3 bound values each, under the runtime's 100 per statement. */
const ACKS_PER_STATEMENT = 32;

export interface NewItem {
  readonly class: InboxClass;
  readonly sender: string;
  /** Dedupe key within (class, sender): the message ID, or ID plus type for receipts. */
  readonly key: string;
  readonly perDevice: ReadonlyMap<string, string>;
  /** Tell the sender if a row expires undelivered (messages only). */
  readonly notifySender: boolean;
}

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  device_id: string;
  class: string;
  sender: string;
  key: string;
  stanza: string;
  notify_sender: number;
}

const toRow = (r: Row): InboxRow => ({
  seq: r.seq,
  deviceId: r.device_id,
  class: r.class as InboxClass,
  sender: r.sender,
  key: r.key,
  stanza: r.stanza,
  notifySender: r.notify_sender === 1,
});

export const INBOX_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL, class TEXT NOT NULL, sender TEXT NOT NULL, key TEXT NOT NULL,
    stanza TEXT NOT NULL, notify_sender INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    UNIQUE (device_id, class, sender, key))`,
  "CREATE INDEX IF NOT EXISTS inbox_by_device ON inbox (device_id, seq)",
  "CREATE INDEX IF NOT EXISTS inbox_by_expiry ON inbox (expires_at)",
  // Remembers what was accepted for as long as a sender might retry it, so a retry after a
  // lost ack is acknowledged again instead of delivered twice.
  `CREATE TABLE IF NOT EXISTS accepted (
    class TEXT NOT NULL, sender TEXT NOT NULL, key TEXT NOT NULL, accepted_at INTEGER NOT NULL,
    PRIMARY KEY (class, sender, key))`,
  "CREATE INDEX IF NOT EXISTS accepted_by_time ON accepted (accepted_at)",
];

/** Rows kept for the next fan-out; more means something stored without fanning out, and live feeds must re-read. */
const MAX_FRESH = 1024;

export class Inbox {
  #prunedAtMs = 0;
  #fresh: InboxRow[] = [];
  #freshComplete = true;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly ttlMs: number,
  ) {}

  /**
   * Stores items, each for each of its devices, all in one transaction; per item, `duplicate`
   * if it was accepted before (then nothing of it is stored again).
   */
  store(items: readonly NewItem[], nowMs: number): { duplicate: boolean }[] {
    const sql = this.storage.sql;
    const stored = this.storage.transactionSync(() => {
      // Housekeeping once a minute, not per message: a row outliving its TTL by up to a minute only
      // extends duplicate suppression for its ID.
      if (nowMs - this.#prunedAtMs > 60_000) {
        sql.exec("DELETE FROM accepted WHERE accepted_at < ?", nowMs - this.ttlMs);
        this.#prunedAtMs = nowMs;
      }
      return items.map((item) => this.#storeOne(sql, item, nowMs));
    });
    // Only after the transaction succeeded: a row live delivery hands out must exist.
    for (const rows of stored) if (rows) this.#remember(rows);
    return stored.map((rows) => ({ duplicate: rows === null }));
  }

  #storeOne(sql: SqlStorage, item: NewItem, nowMs: number): InboxRow[] | null {
    const first = sql.exec("INSERT INTO accepted (class, sender, key, accepted_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", item.class, item.sender, item.key, nowMs);
    first.toArray();
    if (first.rowsWritten === 0) return null;
    const rows: InboxRow[] = [];
    for (const [deviceId, stanza] of item.perDevice) {
      const inserted = sql.exec<{ seq: number }>(
        `INSERT INTO inbox (device_id, class, sender, key, stanza, notify_sender, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
        deviceId, item.class, item.sender, item.key, stanza, item.notifySender ? 1 : 0, nowMs, nowMs + this.ttlMs,
      ).toArray()[0];
      if (inserted) rows.push({ seq: inserted.seq, deviceId, class: item.class, sender: item.sender, key: item.key, stanza, notifySender: item.notifySender });
    }
    return rows;
  }

  #remember(rows: readonly InboxRow[]): void {
    if (this.#fresh.length + rows.length > MAX_FRESH) {
      this.#fresh = [];
      this.#freshComplete = false;
      return;
    }
    this.#fresh.push(...rows);
  }

  /**
   * Rows stored since the last call, in seq order, so live delivery needs no read back;
   * `complete` is false if some were not kept (then only a read of the table is the truth).
   */
  takeFresh(): { readonly rows: readonly InboxRow[]; readonly complete: boolean } {
    const taken = { rows: this.#fresh, complete: this.#freshComplete };
    this.#fresh = [];
    this.#freshComplete = true;
    return taken;
  }

  /** Rows for a device after `afterSeq`, in arrival order. */
  pending(deviceId: string, afterSeq: number, limit = 64): InboxRow[] {
    return this.storage.sql
      .exec<Row>("SELECT * FROM inbox WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?", deviceId, afterSeq, limit)
      .toArray()
      .map(toRow);
  }

  /** Removes what a device acknowledged; acks of rows already gone change nothing. */
  acknowledge(deviceId: string, acked: readonly AckedItem[]): void {
    for (let i = 0; i < acked.length; i += ACKS_PER_STATEMENT) {
      const chunk = acked.slice(i, i + ACKS_PER_STATEMENT);
      this.storage.sql.exec(
        `DELETE FROM inbox WHERE device_id = ? AND (class, sender, key) IN (VALUES ${chunk.map(() => "(?, ?, ?)").join(", ")})`,
        deviceId,
        ...chunk.flatMap((a) => [a.class, a.from, a.key]),
      );
    }
  }

  /** Every row of a removed device: it can never receive them, so they go without expiry notices. */
  forgetDevice(deviceId: string): void {
    this.storage.sql.exec("DELETE FROM inbox WHERE device_id = ?", deviceId);
  }

  /** Rows past their TTL (not yet removed: the caller removes them once the sender was told). */
  expired(nowMs: number, limit = 256): InboxRow[] {
    return this.storage.sql.exec<Row>("SELECT * FROM inbox WHERE expires_at <= ? ORDER BY seq LIMIT ?", nowMs, limit).toArray().map(toRow);
  }

  remove(seqs: readonly number[]): void {
    for (const seq of seqs) this.storage.sql.exec("DELETE FROM inbox WHERE seq = ?", seq);
  }

  /** The earliest expiry, or the earliest after `afterMs` (one row whose notice keeps failing must not hide the rest). */
  nextExpiry(afterMs?: number): number | null {
    const sql = this.storage.sql;
    if (afterMs === undefined) return sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM inbox").one().t;
    return sql.exec<{ t: number | null }>("SELECT MIN(expires_at) AS t FROM inbox WHERE expires_at > ?", afterMs).one().t;
  }
}
