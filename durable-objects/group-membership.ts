import type { GroupRole } from "../protocol/stanzas/index.ts";
import type { DeviceList } from "./group-types.ts";

/**
 * Who is in a group, with what role, since when, and with which devices (the group object's
 * SQLite). Also each member's spans of membership (log sequences from joining to leaving),
 * which decide what of the log each user receives, and the open invitations. Synchronous:
 * the group object checks and changes membership in one uninterrupted step.
 */
export const GROUP_MEMBERSHIP_TABLES: readonly string[] = [
  // epoch: raised by every membership or role change; devrev: by every member device list change.
  "CREATE TABLE IF NOT EXISTS group_info (id TEXT NOT NULL, epoch INTEGER NOT NULL, devrev INTEGER NOT NULL, created_at INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS members (
    user TEXT PRIMARY KEY, role TEXT NOT NULL, since_seq INTEGER NOT NULL, joined_at INTEGER NOT NULL, devices_version INTEGER NOT NULL)`,
  // to_seq is the entry that ended the span (its removal notice is the last thing the user gets); NULL while a member.
  "CREATE TABLE IF NOT EXISTS spans (user TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER, PRIMARY KEY (user, from_seq))",
  // Each member's device lists by the devrev that set them: a logged message goes to the devices it was checked against.
  "CREATE TABLE IF NOT EXISTS member_devices (user TEXT NOT NULL, rev INTEGER NOT NULL, devices TEXT NOT NULL, PRIMARY KEY (user, rev))",
  "CREATE TABLE IF NOT EXISTS invites (user TEXT PRIMARY KEY, token TEXT NOT NULL, by TEXT NOT NULL, expires_at INTEGER NOT NULL)",
];

export interface GroupInfo {
  readonly id: string;
  readonly epoch: number;
  readonly devrev: number;
}

export interface Member {
  readonly user: string;
  readonly role: GroupRole;
  readonly sinceSeq: number;
}

export const INVITE_TTL_MS = 7 * 86_400_000;

const split = (devices: string) => (devices === "" ? [] : devices.split(" "));

export class GroupMembership {
  #exists = false;
  #info: GroupInfo | null = null;
  /** Every member device as `networkId.deviceId`, sorted; read by every message's phash check. */
  #lines: string[] | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  get #sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Whether the group was created (its tables exist); a group ID nobody created leaves no storage. */
  exists(): boolean {
    if (this.#exists) return true;
    this.#exists = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'group_info'").toArray().length > 0;
    return this.#exists;
  }

  /** Creates the tables and the group's record; the caller runs it inside its transaction. */
  create(tables: readonly string[], id: string, nowMs: number): void {
    for (const statement of tables) this.#sql.exec(statement);
    this.#sql.exec("INSERT INTO group_info (id, epoch, devrev, created_at) VALUES (?, 0, 0, ?)", id, nowMs);
    this.#exists = true;
    this.#info = null;
  }

  info(): GroupInfo {
    this.#info ??= this.#sql.exec<{ id: string; epoch: number; devrev: number }>("SELECT id, epoch, devrev FROM group_info").one();
    return this.#info;
  }

  /** The next epoch, recorded. */
  bumpEpoch(): number {
    const epoch = this.info().epoch + 1;
    this.#sql.exec("UPDATE group_info SET epoch = ?", epoch);
    this.#info = { ...this.info(), epoch };
    return epoch;
  }

  member(user: string): Member | null {
    const row = this.#sql.exec<{ user: string; role: string; since_seq: number }>("SELECT user, role, since_seq FROM members WHERE user = ?", user).toArray()[0];
    return row ? { user: row.user, role: row.role as GroupRole, sinceSeq: row.since_seq } : null;
  }

  /** Members in network ID order, after `after`, at most `limit`. */
  members(after = "", limit = 1 << 30): Member[] {
    return this.#sql
      .exec<{ user: string; role: string; since_seq: number }>("SELECT user, role, since_seq FROM members WHERE user > ? ORDER BY user LIMIT ?", after, limit)
      .toArray()
      .map((r) => ({ user: r.user, role: r.role as GroupRole, sinceSeq: r.since_seq }));
  }

  count(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members").one().n;
  }

  adminCount(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM members WHERE role = 'admin'").one().n;
  }

  /** The member in the group longest (promoted when the last admin leaves). */
  longestStanding(): string | null {
    return this.#sql.exec<{ user: string }>("SELECT user FROM members ORDER BY joined_at, since_seq, user LIMIT 1").toArray()[0]?.user ?? null;
  }

  /** A member from log entry `seq` on (that entry, their addition, is the first they get). */
  add(user: string, role: GroupRole, seq: number, nowMs: number, devices: DeviceList): void {
    this.#sql.exec("INSERT INTO members (user, role, since_seq, joined_at, devices_version) VALUES (?, ?, ?, ?, -1)", user, role, seq, nowMs);
    this.#sql.exec("INSERT INTO spans (user, from_seq, to_seq) VALUES (?, ?, NULL)", user, seq);
    this.#sql.exec("DELETE FROM invites WHERE user = ?", user);
    this.setDevices(user, devices);
  }

  /** No longer a member after log entry `seq` (which they still get). */
  remove(user: string, seq: number): void {
    this.#sql.exec("DELETE FROM members WHERE user = ?", user);
    this.#sql.exec("UPDATE spans SET to_seq = ? WHERE user = ? AND to_seq IS NULL", seq, user);
    this.#lines = null;
  }

  setRole(user: string, role: GroupRole): void {
    this.#sql.exec("UPDATE members SET role = ? WHERE user = ?", role, user);
  }

  /** Records a member's device list if it is newer than the one held; true if it changed anything. */
  setDevices(user: string, list: DeviceList): boolean {
    const row = this.#sql.exec<{ devices_version: number }>("SELECT devices_version FROM members WHERE user = ?", user).toArray()[0];
    if (!row || row.devices_version >= list.version) return false;
    const devices = [...list.devices].sort().join(" ");
    this.#sql.exec("UPDATE members SET devices_version = ? WHERE user = ?", list.version, user);
    if (devices === this.devicesOf(user).join(" ")) return false;
    const devrev = this.info().devrev + 1;
    this.#sql.exec("UPDATE group_info SET devrev = ?", devrev);
    this.#info = { ...this.info(), devrev };
    this.#sql.exec("INSERT INTO member_devices (user, rev, devices) VALUES (?, ?, ?)", user, devrev, devices);
    this.#lines = null;
    return true;
  }

  /** A user's devices as of device revision `rev` (now, by default). */
  devicesOf(user: string, rev = Number.MAX_SAFE_INTEGER): string[] {
    const row = this.#sql.exec<{ devices: string }>("SELECT devices FROM member_devices WHERE user = ? AND rev <= ? ORDER BY rev DESC LIMIT 1", user, rev).toArray()[0];
    return row ? split(row.devices) : [];
  }

  /** Every current member device, `networkId.deviceId`, sorted. */
  deviceLines(): readonly string[] {
    if (this.#lines) return this.#lines;
    const rows = this.#sql
      .exec<{ user: string; devices: string }>(
        `SELECT m.user, d.devices FROM members m JOIN member_devices d ON d.user = m.user
         AND d.rev = (SELECT MAX(rev) FROM member_devices WHERE user = m.user)`,
      )
      .toArray();
    this.#lines = rows.flatMap((r) => split(r.devices).map((d) => `${r.user}.${d}`)).sort();
    return this.#lines;
  }

  /**
   * Device lists no logged message can still need: older than the newest one each user had
   * at `oldestRev` (the earliest device revision of a message still in the log), and those of
   * users gone from the group once no message needs them.
   */
  pruneDevices(oldestRev: number | null): void {
    const keep = oldestRev ?? Number.MAX_SAFE_INTEGER;
    this.#sql.exec(
      `DELETE FROM member_devices WHERE rev < (SELECT MAX(rev) FROM member_devices d WHERE d.user = member_devices.user AND d.rev <= ?)`,
      keep,
    );
    if (oldestRev === null) this.#sql.exec("DELETE FROM member_devices WHERE user NOT IN (SELECT user FROM members)");
  }

  /** Whether a span of `user` covers log entry `seq`. */
  spanCovers(user: string, seq: number): boolean {
    return this.#sql.exec("SELECT 1 FROM spans WHERE user = ? AND from_seq <= ? AND (to_seq IS NULL OR to_seq >= ?)", user, seq, seq).toArray().length > 0;
  }

  /** The open invitation of `user`, if unexpired. */
  invitation(user: string, nowMs: number): { readonly token: string; readonly by: string; readonly expiresAt: number } | null {
    const row = this.#sql.exec<{ token: string; by: string; expires_at: number }>("SELECT token, by, expires_at FROM invites WHERE user = ?", user).toArray()[0];
    return row && row.expires_at > nowMs ? { token: row.token, by: row.by, expiresAt: row.expires_at } : null;
  }

  invite(user: string, by: string, token: string, expiresAt: number): void {
    this.#sql.exec(
      "INSERT INTO invites (user, token, by, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (user) DO UPDATE SET token = excluded.token, by = excluded.by, expires_at = excluded.expires_at",
      user, token, by, expiresAt,
    );
  }

  pruneInvites(nowMs: number): void {
    this.#sql.exec("DELETE FROM invites WHERE expires_at <= ?", nowMs);
  }
}
