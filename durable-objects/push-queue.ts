/**
 * Pending push notifications, one row per offline device (SQLite). Messages arriving while
 * a push is pending only raise its count: one push per burst, not one per message. The
 * event ID stays the same across retries, so the provider can drop duplicates.
 */
export interface PendingPush {
  readonly deviceId: string;
  readonly eventId: string;
  readonly pending: number;
  readonly firstPendingAt: number;
  readonly attempts: number;
}

/** Wait this long before the first attempt, so a burst of messages becomes one push. */
export const PUSH_COALESCE_MS = 1000;
export const PUSH_MAX_ATTEMPTS = 8;
const PUSH_BASE_DELAY_MS = 2000;
const PUSH_MAX_DELAY_MS = 3600_000;

interface Row extends Record<string, SqlStorageValue> {
  device_id: string;
  event_id: string;
  pending: number;
  first_pending_at: number;
  attempts: number;
}

export const PUSH_QUEUE_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS push_queue (
    device_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, pending INTEGER NOT NULL,
    first_pending_at INTEGER NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL)`,
];

export class PushQueue {
  constructor(private readonly sql: SqlStorage) {}

  schedule(deviceId: string, nowMs: number): void {
    this.sql.exec(
      `INSERT INTO push_queue (device_id, event_id, pending, first_pending_at, attempts, next_attempt_at)
       VALUES (?, ?, 1, ?, 0, ?)
       ON CONFLICT (device_id) DO UPDATE SET pending = pending + 1`,
      deviceId, crypto.randomUUID(), nowMs, nowMs + PUSH_COALESCE_MS,
    );
  }

  /** The device came online: it will get its backlog, no push needed. */
  cancel(deviceId: string): void {
    this.sql.exec("DELETE FROM push_queue WHERE device_id = ?", deviceId);
  }

  due(nowMs: number): PendingPush[] {
    return this.sql
      .exec<Row>("SELECT * FROM push_queue WHERE next_attempt_at <= ?", nowMs)
      .toArray()
      .map((r) => ({ deviceId: r.device_id, eventId: r.event_id, pending: r.pending, firstPendingAt: r.first_pending_at, attempts: r.attempts }));
  }

  /** Delivered, or given up: the row goes unless newer messages made a new event of it meanwhile. */
  done(push: PendingPush): void {
    this.sql.exec("DELETE FROM push_queue WHERE device_id = ? AND event_id = ?", push.deviceId, push.eventId);
  }

  /** Exponential backoff: 2 s, 4 s, ... capped at an hour; false when out of attempts. */
  retry(push: PendingPush, nowMs: number): boolean {
    const attempts = push.attempts + 1;
    if (attempts >= PUSH_MAX_ATTEMPTS) {
      this.done(push);
      return false;
    }
    const delay = Math.min(PUSH_MAX_DELAY_MS, PUSH_BASE_DELAY_MS * 2 ** push.attempts);
    this.sql.exec("UPDATE push_queue SET attempts = ?, next_attempt_at = ? WHERE device_id = ? AND event_id = ?", attempts, nowMs + delay, push.deviceId, push.eventId);
    return true;
  }

  /** The earliest attempt, or the earliest after `afterMs`. */
  nextAttempt(afterMs?: number): number | null {
    if (afterMs === undefined) return this.sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_at) AS t FROM push_queue").one().t;
    return this.sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_at) AS t FROM push_queue WHERE next_attempt_at > ?", afterMs).one().t;
  }
}
