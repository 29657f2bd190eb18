import { timingSafeEqual } from "../protocol/bytes.ts";
import { CLOCK_TOLERANCE_S } from "../gateway/auth/provider-token.ts";

export interface Enrollment {
  readonly networkId: string;
  readonly providerId: string;
  readonly sub: string;
  readonly identifier: string | null;
  readonly deviceId: string;
  readonly deviceKey: Uint8Array;
}

export interface Owner {
  readonly networkId: string;
  readonly providerId: string;
  readonly sub: string;
  readonly identifier: string | null;
}

/** A device removal: the user's devices left, or why nothing was removed. */
export type DeviceRemoval =
  | { readonly ok: true; readonly devices: readonly string[] }
  | { readonly ok: false; readonly reason: "not-found" | "replayed" };

/** Created by `UserSchema` when the user is first enrolled. */
export const DEVICE_REGISTRY_TABLES: readonly string[] = [
  "CREATE TABLE IF NOT EXISTS owner (network_id TEXT NOT NULL, provider_id TEXT NOT NULL, sub TEXT NOT NULL, identifier TEXT)",
  "CREATE TABLE IF NOT EXISTS devices (device_id TEXT PRIMARY KEY, static_key BLOB NOT NULL, enrolled_at INTEGER NOT NULL)",
  // Devices removed and not enrolled again: their handshakes are refused as removed, not unknown.
  "CREATE TABLE IF NOT EXISTS removed_devices (device_id TEXT PRIMARY KEY, static_key BLOB NOT NULL, removed_at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS used_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)",
  // Pruned by expiry on every use: without this index that would scan the table each time.
  "CREATE INDEX IF NOT EXISTS used_tokens_by_expiry ON used_tokens (expires_at)",
];

/**
 * The user's enrolled devices and the provider tokens already used, in the Durable Object's
 * SQLite. Every method is synchronous: the object runs one of them at a time, so checking
 * and recording a token can never interleave with another request.
 */
export class DeviceRegistry {
  // Read on every stanza, written only by enroll() and remove(): kept in memory, dropped when they write.
  #owner: Owner | null | undefined = undefined;
  #deviceIds: string[] | null = null;
  /** Enrolled static keys by device: read at every handshake, written only by enroll() and remove(). */
  #keys = new Map<string, Uint8Array>();
  #prunedAtMs = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** Records a token's jti; false if it was used before (a replay). */
  useToken(jti: string, expMs: number, nowMs: number): boolean {
    // A token past its exp (plus tolerated skew) fails verification anyway, so its jti can go;
    // once a minute is enough, a jti kept a minute longer only refuses a token that is refused anyway.
    if (nowMs - this.#prunedAtMs > 60_000) {
      this.sql.exec("DELETE FROM used_tokens WHERE expires_at < ?", nowMs - CLOCK_TOLERANCE_S * 1000);
      this.#prunedAtMs = nowMs;
    }
    const insert = this.sql.exec("INSERT INTO used_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", jti, expMs);
    insert.toArray();
    return insert.rowsWritten > 0;
  }

  /** Registers the device (idempotent: the device ID is derived from its key). Returns true if new. */
  enroll(e: Enrollment, nowMs: number): boolean {
    this.#owner = undefined;
    this.#deviceIds = null;
    this.#keys.clear();
    const owner = this.sql.exec<{ identifier: string | null }>("SELECT identifier FROM owner").toArray();
    if (owner.length === 0) {
      this.sql.exec("INSERT INTO owner (network_id, provider_id, sub, identifier) VALUES (?, ?, ?, ?)", e.networkId, e.providerId, e.sub, e.identifier);
    } else if (e.identifier !== null && owner[0]!.identifier !== e.identifier) {
      this.sql.exec("UPDATE owner SET identifier = ?", e.identifier);
    }
    const existing = this.sql.exec("SELECT 1 FROM devices WHERE device_id = ?", e.deviceId).toArray();
    if (existing.length > 0) return false;
    this.sql.exec("INSERT INTO devices (device_id, static_key, enrolled_at) VALUES (?, ?, ?)", e.deviceId, e.deviceKey, nowMs);
    // Enrolled again through its provider: a new device to everyone, no longer refused.
    this.sql.exec("DELETE FROM removed_devices WHERE device_id = ?", e.deviceId);
    return true;
  }

  /** Unregisters a device and remembers it as removed; false if it was not enrolled. */
  remove(deviceId: string, nowMs: number): boolean {
    const row = this.sql.exec<{ static_key: ArrayBuffer }>("SELECT static_key FROM devices WHERE device_id = ?", deviceId).toArray()[0];
    if (!row) return false;
    this.#deviceIds = null;
    this.#keys.delete(deviceId);
    this.sql.exec("DELETE FROM devices WHERE device_id = ?", deviceId);
    this.sql.exec(
      "INSERT INTO removed_devices (device_id, static_key, removed_at) VALUES (?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET static_key = excluded.static_key, removed_at = excluded.removed_at",
      deviceId, row.static_key, nowMs,
    );
    return true;
  }

  /** True if `deviceId` was removed (and not enrolled again); with `staticKey`, only if it was enrolled with that key. */
  wasRemoved(deviceId: string, staticKey?: Uint8Array): boolean {
    const row = this.sql.exec<{ static_key: ArrayBuffer }>("SELECT static_key FROM removed_devices WHERE device_id = ?", deviceId).toArray()[0];
    if (!row) return false;
    return staticKey === undefined || timingSafeEqual(new Uint8Array(row.static_key), staticKey);
  }

  /** True if `deviceId` is enrolled with exactly this Noise static key. */
  isEnrolled(deviceId: string, staticKey: Uint8Array): boolean {
    let enrolled = this.#keys.get(deviceId);
    if (!enrolled) {
      const rows = this.sql.exec<{ static_key: ArrayBuffer }>("SELECT static_key FROM devices WHERE device_id = ?", deviceId).toArray();
      if (rows.length !== 1) return false;
      enrolled = new Uint8Array(rows[0]!.static_key);
      this.#keys.set(deviceId, enrolled);
    }
    return timingSafeEqual(enrolled, staticKey);
  }

  /** The enrolled user's provider and subject; null for an object nobody enrolled in. */
  owner(): Owner | null {
    if (this.#owner !== undefined) return this.#owner;
    const row = this.sql.exec<{ network_id: string; provider_id: string; sub: string; identifier: string | null }>("SELECT * FROM owner").toArray()[0];
    this.#owner = row ? { networkId: row.network_id, providerId: row.provider_id, sub: row.sub, identifier: row.identifier } : null;
    return this.#owner;
  }

  /** Enrolled device IDs, sorted. */
  deviceIds(): readonly string[] {
    this.#deviceIds ??= this.sql.exec<{ device_id: string }>("SELECT device_id FROM devices ORDER BY device_id").toArray().map((r) => r.device_id);
    return this.#deviceIds;
  }

  deviceCount(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM devices").one().n;
  }
}
