import type { GroupPrivacy } from "../protocol/stanzas/index.ts";

/**
 * The recipient's consent: which providers may reach them, whom they block, and whether
 * they can be found by directory lookup. Kept in the user's SQLite; checked on every
 * incoming stanza.
 */
export interface Privacy {
  readonly discoverable: boolean;
  /** Providers whose users may reach this user, or "*" for all. */
  readonly allow: readonly string[] | "*";
  /** Who may add this user to a group directly; the others invite (docs/groups.md). */
  readonly groups: GroupPrivacy;
}

export type Admission = "ok" | "blocked" | "provider-not-allowed";

export const CONSENT_TABLES: readonly string[] = [
  "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS blocked (network_id TEXT PRIMARY KEY)",
];

const DEFAULT_PRIVACY: Privacy = { discoverable: false, allow: "*", groups: "contacts" };

export class Consent {
  // Checked on every incoming stanza, changed by the user's own iqs: kept in memory.
  #privacy: Privacy | null = null;
  #blocked: Set<string> | null = null;

  constructor(private readonly sql: SqlStorage) {}

  privacy(): Privacy {
    if (this.#privacy) return this.#privacy;
    const row = this.sql.exec<{ value: string }>("SELECT value FROM settings WHERE key = 'privacy'").toArray()[0];
    // Settings stored before a field existed take its default.
    this.#privacy = row ? { ...DEFAULT_PRIVACY, ...(JSON.parse(row.value) as Partial<Privacy>) } : DEFAULT_PRIVACY;
    return this.#privacy;
  }

  setPrivacy(change: Partial<Privacy>): Privacy {
    const next: Privacy = { ...this.privacy(), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    this.sql.exec("INSERT INTO settings (key, value) VALUES ('privacy', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(next));
    this.#privacy = next;
    return next;
  }

  block(networkId: string): void {
    this.sql.exec("INSERT INTO blocked (network_id) VALUES (?) ON CONFLICT DO NOTHING", networkId);
    this.#blocked?.add(networkId);
  }

  unblock(networkId: string): void {
    this.sql.exec("DELETE FROM blocked WHERE network_id = ?", networkId);
    this.#blocked?.delete(networkId);
  }

  admits(sender: string, senderProvider: string): Admission {
    this.#blocked ??= new Set(this.sql.exec<{ network_id: string }>("SELECT network_id FROM blocked").toArray().map((r) => r.network_id));
    if (this.#blocked.has(sender)) return "blocked";
    const { allow } = this.privacy();
    return allow === "*" || allow.includes(senderProvider) ? "ok" : "provider-not-allowed";
  }
}
