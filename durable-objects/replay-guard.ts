import { bytesToHex } from "../protocol/bytes.ts";

/**
 * IK message 1 carries the client's hello as 0-RTT data, and 0-RTT data is replayable by
 * design: a recorded message 1 decrypts again. Each client ephemeral is therefore accepted
 * once per window. Provider tokens inside the hello expire within minutes (issue #3), so
 * the window only needs to outlive them.
 */
export const REPLAY_WINDOW_MS = 15 * 60_000;

export class ReplayGuard {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS seen_ephemerals (key TEXT PRIMARY KEY, seen_at INTEGER NOT NULL)");
  }

  /** Records the ephemeral; false if it was already seen inside the window. */
  firstUse(ephemeral: Uint8Array, nowMs: number): boolean {
    const key = bytesToHex(ephemeral);
    this.sql.exec("DELETE FROM seen_ephemerals WHERE seen_at < ?", nowMs - REPLAY_WINDOW_MS);
    const seen = this.sql.exec("SELECT 1 FROM seen_ephemerals WHERE key = ?", key).toArray().length > 0;
    if (seen) return false;
    this.sql.exec("INSERT INTO seen_ephemerals (key, seen_at) VALUES (?, ?)", key, nowMs);
    return true;
  }
}
