import type { GroupRole } from "../protocol/stanzas/index.ts";

/**
 * A user object's side of groups (its SQLite, created with the user's other tables): the
 * groups it is in, as its log entries told it, and how far into each log it has stored;
 * the groups it created per request (a retried create makes no second group); its 1:1
 * contacts (who may add it to groups under `groups="contacts"`); the version of its device
 * list, and device-list pushes to groups still to retry.
 */
export const USER_GROUP_TABLES: readonly string[] = [
  // member = 0 keeps what a former member's object learned last (its epoch), so a stale answer cannot re-add it.
  "CREATE TABLE IF NOT EXISTS user_groups (group_id TEXT PRIMARY KEY, role TEXT NOT NULL, epoch INTEGER NOT NULL, member INTEGER NOT NULL, through INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS group_requests (request_id TEXT PRIMARY KEY, group_id TEXT NOT NULL, at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS contacts (network_id TEXT PRIMARY KEY, since INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS device_list_version (version INTEGER NOT NULL)",
  // Groups that asked to add this user lately: told of device changes too, in case the add went through before its notice arrives.
  "CREATE TABLE IF NOT EXISTS group_candidates (group_id TEXT PRIMARY KEY, at INTEGER NOT NULL)",
  "CREATE TABLE IF NOT EXISTS group_device_sync (group_id TEXT PRIMARY KEY, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL)",
];

export interface UserGroup {
  readonly id: string;
  readonly epoch: number;
  readonly role: GroupRole;
}

const SYNC_RETRY_BASE_MS = 2000;
/** Longer than any add takes between asking a user's consent and committing. */
const CANDIDATE_MS = 3600_000;
const SYNC_RETRY_MAX_MS = 10 * 60_000;

export class UserGroups {
  /** Who this user wrote to, in memory once read: asked on every group add naming this user. */
  #contacts: Set<string> | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** What an entry at `epoch` says about this user's place in the group; an older epoch than known changes nothing. */
  record(group: string, epoch: number, place: GroupRole | null): void {
    this.sql.exec(
      `INSERT INTO user_groups (group_id, role, epoch, member, through) VALUES (?, ?, ?, ?, 0)
       ON CONFLICT (group_id) DO UPDATE SET role = excluded.role, epoch = excluded.epoch, member = excluded.member WHERE excluded.epoch > user_groups.epoch`,
      group, place ?? "member", epoch, place === null ? 0 : 1,
    );
  }

  /** A change that did not concern this user still moves the group's epoch. */
  seeEpoch(group: string, epoch: number): void {
    this.sql.exec("UPDATE user_groups SET epoch = ? WHERE group_id = ? AND epoch < ?", epoch, group, epoch);
  }

  /** Groups this user is in, by ID, after `after`. */
  list(after: string, limit: number): UserGroup[] {
    return this.sql
      .exec<{ group_id: string; epoch: number; role: string }>("SELECT group_id, epoch, role FROM user_groups WHERE member = 1 AND group_id > ? ORDER BY group_id LIMIT ?", after, limit)
      .toArray()
      .map((r) => ({ id: r.group_id, epoch: r.epoch, role: r.role as GroupRole }));
  }

  memberOf(): string[] {
    return this.sql.exec<{ group_id: string }>("SELECT group_id FROM user_groups WHERE member = 1").toArray().map((r) => r.group_id);
  }

  /** The last log sequence of `group` stored here (entries at or below it are repeats). */
  through(group: string): number {
    return this.sql.exec<{ through: number }>("SELECT through FROM user_groups WHERE group_id = ?", group).toArray()[0]?.through ?? 0;
  }

  setThrough(group: string, seq: number): void {
    this.sql.exec(
      `INSERT INTO user_groups (group_id, role, epoch, member, through) VALUES (?, 'member', 0, 0, ?)
       ON CONFLICT (group_id) DO UPDATE SET through = MAX(through, excluded.through)`,
      group, seq,
    );
  }

  /** The group a create request made, if it ran before. */
  requested(requestId: string): string | null {
    return this.sql.exec<{ group_id: string }>("SELECT group_id FROM group_requests WHERE request_id = ?", requestId).toArray()[0]?.group_id ?? null;
  }

  rememberRequest(requestId: string, group: string, nowMs: number): void {
    // Kept as long as the SDK resends a stanza (it does after every reconnect): a day is ample.
    this.sql.exec("DELETE FROM group_requests WHERE at < ?", nowMs - 86_400_000);
    this.sql.exec("INSERT INTO group_requests (request_id, group_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", requestId, group, nowMs);
  }

  addContact(networkId: string, nowMs: number): void {
    if (this.isContact(networkId)) return;
    this.sql.exec("INSERT INTO contacts (network_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING", networkId, nowMs);
    this.#contacts?.add(networkId);
  }

  isContact(networkId: string): boolean {
    this.#contacts ??= new Set(this.sql.exec<{ network_id: string }>("SELECT network_id FROM contacts").toArray().map((r) => r.network_id));
    return this.#contacts.has(networkId);
  }

  deviceVersion(): number {
    return this.sql.exec<{ version: number }>("SELECT version FROM device_list_version").toArray()[0]?.version ?? 1;
  }

  /** A group asked whether it may add this user. */
  considered(group: string, nowMs: number): void {
    this.sql.exec("DELETE FROM group_candidates WHERE at < ?", nowMs - CANDIDATE_MS);
    this.sql.exec("INSERT INTO group_candidates (group_id, at) VALUES (?, ?) ON CONFLICT (group_id) DO UPDATE SET at = excluded.at", group, nowMs);
  }

  /** The device list changed: a new version, and every group is to be told (a group ignores a non-member's list). */
  devicesChanged(nowMs: number): number {
    const version = this.deviceVersion() + 1;
    this.sql.exec("DELETE FROM device_list_version");
    this.sql.exec("INSERT INTO device_list_version (version) VALUES (?)", version);
    const candidates = this.sql.exec<{ group_id: string }>("SELECT group_id FROM group_candidates WHERE at >= ?", nowMs - CANDIDATE_MS).toArray().map((r) => r.group_id);
    for (const group of new Set([...this.memberOf(), ...candidates])) {
      this.sql.exec("INSERT INTO group_device_sync (group_id, attempts, next_at) VALUES (?, 0, ?) ON CONFLICT (group_id) DO UPDATE SET attempts = 0, next_at = excluded.next_at", group, nowMs);
    }
    return version;
  }

  dueSyncs(nowMs: number): { group: string; attempts: number }[] {
    return this.sql.exec<{ group_id: string; attempts: number }>("SELECT group_id, attempts FROM group_device_sync WHERE next_at <= ?", nowMs).toArray().map((r) => ({ group: r.group_id, attempts: r.attempts }));
  }

  synced(group: string): void {
    this.sql.exec("DELETE FROM group_device_sync WHERE group_id = ?", group);
  }

  syncFailed(group: string, attempts: number, nowMs: number): void {
    const delay = Math.min(SYNC_RETRY_MAX_MS, SYNC_RETRY_BASE_MS * 2 ** Math.min(attempts, 20));
    this.sql.exec("UPDATE group_device_sync SET attempts = ?, next_at = ? WHERE group_id = ?", attempts + 1, nowMs + delay, group);
  }

  nextSync(): number | null {
    return this.sql.exec<{ t: number | null }>("SELECT MIN(next_at) AS t FROM group_device_sync").one().t;
  }
}
