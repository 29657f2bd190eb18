/**
 * The recipient's consent: which providers may reach them, whom they block, and whether
 * they can be found by directory lookup. Kept in the user's SQLite; checked on every
 * incoming stanza.
 */
export interface Privacy {
  readonly discoverable: boolean;
  /** Providers whose users may reach this user, or "*" for all. */
  readonly allow: readonly string[] | "*";
}

export type Admission = "ok" | "blocked" | "provider-not-allowed";

const DEFAULT_PRIVACY: Privacy = { discoverable: false, allow: "*" };

export class Consent {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS blocked (network_id TEXT PRIMARY KEY)");
  }

  privacy(): Privacy {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM settings WHERE key = 'privacy'").toArray()[0];
    return row ? (JSON.parse(row.value) as Privacy) : DEFAULT_PRIVACY;
  }

  setPrivacy(change: Partial<Privacy>): Privacy {
    const next: Privacy = { ...this.privacy(), ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    this.sql.exec("INSERT INTO settings (key, value) VALUES ('privacy', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(next));
    return next;
  }

  block(networkId: string): void {
    this.sql.exec("INSERT INTO blocked (network_id) VALUES (?) ON CONFLICT DO NOTHING", networkId);
  }

  unblock(networkId: string): void {
    this.sql.exec("DELETE FROM blocked WHERE network_id = ?", networkId);
  }

  admits(sender: string, senderProvider: string): Admission {
    if (this.sql.exec("SELECT 1 FROM blocked WHERE network_id = ?", sender).toArray().length > 0) return "blocked";
    const { allow } = this.privacy();
    return allow === "*" || allow.includes(senderProvider) ? "ok" : "provider-not-allowed";
  }
}
