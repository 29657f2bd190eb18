import { timingSafeEqual } from "../protocol/bytes.ts";
import { deserializeEcPublic } from "../protocol/signal/keys.ts";
import { xeddsaVerify } from "../protocol/signal/xeddsa.ts";
import { StanzaError, type KeyUpload, type SignedKey, type WireBundle } from "../protocol/stanzas/index.ts";

/** Upper bounds per device, so one device cannot fill its user's storage. */
export const MAX_STORED_PREKEYS = 1000;
export const MAX_STORED_KYBER_PREKEYS = 100;
/** Below this many one-time prekeys the device is told to upload more. */
export const LOW_PREKEYS = 10;

export interface PrekeyCounts {
  readonly preKeys: number;
  readonly kyberPreKeys: number;
}

interface DeviceKeysRow extends Record<string, SqlStorageValue> {
  device_id: string;
  registration_id: number;
  identity_key: ArrayBuffer;
  signed_id: number;
  signed_key: ArrayBuffer;
  signed_sig: ArrayBuffer;
  kyber_id: number;
  kyber_key: ArrayBuffer;
  kyber_sig: ArrayBuffer;
}

export const PREKEY_TABLES: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS device_keys (
    device_id TEXT PRIMARY KEY, registration_id INTEGER NOT NULL, identity_key BLOB NOT NULL,
    signed_id INTEGER NOT NULL, signed_key BLOB NOT NULL, signed_sig BLOB NOT NULL,
    kyber_id INTEGER NOT NULL, kyber_key BLOB NOT NULL, kyber_sig BLOB NOT NULL, updated_at INTEGER NOT NULL)`,
  "CREATE TABLE IF NOT EXISTS prekeys (device_id TEXT NOT NULL, id INTEGER NOT NULL, key BLOB NOT NULL, PRIMARY KEY (device_id, id))",
  `CREATE TABLE IF NOT EXISTS kyber_prekeys (device_id TEXT NOT NULL, id INTEGER NOT NULL, key BLOB NOT NULL, sig BLOB NOT NULL,
    PRIMARY KEY (device_id, id))`,
  // Users who fetched this user's bundles: they hold sessions, so they hear about identity changes.
  "CREATE TABLE IF NOT EXISTS bundle_fetchers (network_id TEXT PRIMARY KEY, fetched_at INTEGER NOT NULL)",
];

const u8 = (b: ArrayBuffer): Uint8Array => new Uint8Array(b);

/**
 * The user's devices' prekeys in SQLite. One-time keys are handed out exactly once: the
 * object runs one claim at a time, and a claim reads and deletes in the same synchronous step.
 */
export class PrekeyStore {
  constructor(private readonly storage: DurableObjectStorage) {}

  identityKey(deviceId: string): Uint8Array | null {
    const row = this.storage.sql.exec<{ identity_key: ArrayBuffer }>("SELECT identity_key FROM device_keys WHERE device_id = ?", deviceId).toArray()[0];
    return row ? u8(row.identity_key) : null;
  }

  /**
   * Verifies every signature against the identity key (the uploaded one, or the stored one
   * for top-ups) and stores the upload atomically. Returns whether the identity key changed
   * (`identityChanged`: it replaced another) or is new (`newIdentity`: a first upload counts too).
   */
  upload(deviceId: string, u: KeyUpload, nowMs: number): { identityChanged: boolean; newIdentity: boolean } {
    const previous = this.identityKey(deviceId);
    const identity = u.identityKey ?? previous;
    if (!identity) throw new StanzaError("malformed", "the first upload needs identity, signed prekey and last-resort kyber prekey");
    const isNewIdentity = !previous || !timingSafeEqual(previous, identity);
    if (isNewIdentity && (!u.signedPreKey || !u.lastResortKyber || u.registrationId === undefined)) {
      throw new StanzaError("malformed", "a new identity key needs registration, signed prekey and last-resort kyber prekey");
    }
    const raw = deserializeEcPublic(identity);
    for (const key of [u.signedPreKey, u.lastResortKyber, ...u.kyberPreKeys]) {
      if (key && !xeddsaVerify(raw, key.publicKey, key.signature)) {
        throw new StanzaError("invalid-key", `signature of key ${key.id} does not verify with the identity key`);
      }
    }
    this.storage.transactionSync(() => {
      const sql = this.storage.sql;
      if (isNewIdentity) {
        // New identity: everything signed by or issued under the old one is void.
        sql.exec("DELETE FROM prekeys WHERE device_id = ?", deviceId);
        sql.exec("DELETE FROM kyber_prekeys WHERE device_id = ?", deviceId);
      }
      if (u.signedPreKey && u.lastResortKyber && u.registrationId !== undefined) {
        sql.exec(
          `INSERT INTO device_keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET
             registration_id = excluded.registration_id, identity_key = excluded.identity_key,
             signed_id = excluded.signed_id, signed_key = excluded.signed_key, signed_sig = excluded.signed_sig,
             kyber_id = excluded.kyber_id, kyber_key = excluded.kyber_key, kyber_sig = excluded.kyber_sig, updated_at = excluded.updated_at`,
          deviceId, u.registrationId, identity, u.signedPreKey.id, u.signedPreKey.publicKey, u.signedPreKey.signature,
          u.lastResortKyber.id, u.lastResortKyber.publicKey, u.lastResortKyber.signature, nowMs,
        );
      } else if (u.signedPreKey) {
        sql.exec("UPDATE device_keys SET signed_id = ?, signed_key = ?, signed_sig = ?, updated_at = ? WHERE device_id = ?",
          u.signedPreKey.id, u.signedPreKey.publicKey, u.signedPreKey.signature, nowMs, deviceId);
      }
      for (const k of u.preKeys) sql.exec("INSERT OR REPLACE INTO prekeys VALUES (?, ?, ?)", deviceId, k.id, k.publicKey);
      for (const k of u.kyberPreKeys) sql.exec("INSERT OR REPLACE INTO kyber_prekeys VALUES (?, ?, ?, ?)", deviceId, k.id, k.publicKey, k.signature);
      const counts = this.counts(deviceId);
      if (counts.preKeys > MAX_STORED_PREKEYS || counts.kyberPreKeys > MAX_STORED_KYBER_PREKEYS) {
        throw new StanzaError("too-large", `a device stores at most ${MAX_STORED_PREKEYS} prekeys and ${MAX_STORED_KYBER_PREKEYS} kyber prekeys`);
      }
    });
    return { identityChanged: previous !== null && isNewIdentity, newIdentity: isNewIdentity };
  }

  counts(deviceId: string): PrekeyCounts {
    const n = (table: string) => this.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE device_id = ?`, deviceId).one().n;
    return { preKeys: n("prekeys"), kyberPreKeys: n("kyber_prekeys") };
  }

  /** A bundle per device with keys, consuming one one-time EC and one one-time Kyber prekey each when available. */
  claim(deviceIds: readonly string[], fetcher: string, nowMs: number): { bundles: WireBundle[]; low: { deviceId: string; remaining: number }[] } {
    return this.storage.transactionSync(() => {
      const sql = this.storage.sql;
      sql.exec("INSERT INTO bundle_fetchers VALUES (?, ?) ON CONFLICT (network_id) DO UPDATE SET fetched_at = excluded.fetched_at", fetcher, nowMs);
      const bundles: WireBundle[] = [];
      const low: { deviceId: string; remaining: number }[] = [];
      for (const deviceId of deviceIds) {
        const row = sql.exec<DeviceKeysRow>("SELECT * FROM device_keys WHERE device_id = ?", deviceId).toArray()[0];
        if (!row) continue;
        const pre = sql.exec<{ id: number; key: ArrayBuffer }>("SELECT id, key FROM prekeys WHERE device_id = ? ORDER BY id LIMIT 1", deviceId).toArray()[0];
        if (pre) sql.exec("DELETE FROM prekeys WHERE device_id = ? AND id = ?", deviceId, pre.id);
        const kyber = sql.exec<{ id: number; key: ArrayBuffer; sig: ArrayBuffer }>("SELECT id, key, sig FROM kyber_prekeys WHERE device_id = ? ORDER BY id LIMIT 1", deviceId).toArray()[0];
        if (kyber) sql.exec("DELETE FROM kyber_prekeys WHERE device_id = ? AND id = ?", deviceId, kyber.id);
        const lastResort: SignedKey = { id: row.kyber_id, publicKey: u8(row.kyber_key), signature: u8(row.kyber_sig) };
        bundles.push({
          deviceId,
          registrationId: row.registration_id,
          identityKey: u8(row.identity_key),
          signedPreKey: { id: row.signed_id, publicKey: u8(row.signed_key), signature: u8(row.signed_sig) },
          kyberPreKey: kyber ? { id: kyber.id, publicKey: u8(kyber.key), signature: u8(kyber.sig) } : lastResort,
          preKey: pre ? { id: pre.id, publicKey: u8(pre.key) } : undefined,
        });
        const remaining = this.counts(deviceId).preKeys;
        if (pre && remaining < LOW_PREKEYS) low.push({ deviceId, remaining });
      }
      return { bundles, low };
    });
  }

  /** A removed device's keys, published and one-time: nobody may start a session with it any more. */
  forget(deviceId: string): void {
    this.storage.transactionSync(() => {
      for (const table of ["device_keys", "prekeys", "kyber_prekeys"]) this.storage.sql.exec(`DELETE FROM ${table} WHERE device_id = ?`, deviceId);
    });
  }

  /** Users holding sessions with this user's devices (to be told when an identity key changes). */
  fetchers(): string[] {
    return this.storage.sql.exec<{ network_id: string }>("SELECT network_id FROM bundle_fetchers").toArray().map((r) => r.network_id);
  }

  /** The public, one-time-key-free part of a device's bundle, for edge reads from KV. */
  published(deviceId: string): Omit<WireBundle, "preKey"> | null {
    const row = this.storage.sql.exec<DeviceKeysRow>("SELECT * FROM device_keys WHERE device_id = ?", deviceId).toArray()[0];
    if (!row) return null;
    return {
      deviceId,
      registrationId: row.registration_id,
      identityKey: u8(row.identity_key),
      signedPreKey: { id: row.signed_id, publicKey: u8(row.signed_key), signature: u8(row.signed_sig) },
      kyberPreKey: { id: row.kyber_id, publicKey: u8(row.kyber_key), signature: u8(row.kyber_sig) },
    };
  }
}
