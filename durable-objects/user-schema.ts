import { CONSENT_TABLES } from "./consent.ts";
import { DEVICE_REGISTRY_TABLES } from "./device-registry.ts";
import { USER_GROUP_TABLES } from "./group-user-state.ts";
import { INBOX_TABLES } from "./inbox.ts";
import { PREKEY_TABLES } from "./prekey-store.ts";
import { PUSH_QUEUE_TABLES } from "./push-queue.ts";

const STATEMENTS = [...DEVICE_REGISTRY_TABLES, ...CONSENT_TABLES, ...INBOX_TABLES, ...PUSH_QUEUE_TABLES, ...PREKEY_TABLES, ...USER_GROUP_TABLES];

/**
 * A user object's SQLite tables, created by the first enrollment and never before: an object
 * that someone merely named (a stanza's recipient, a bundle fetch) must answer "unknown" and
 * leave no storage behind. Until `create()`, nothing here writes.
 */
export class UserSchema {
  #exists = false;

  constructor(private readonly storage: DurableObjectStorage) {}

  /**
   * Whether this user was ever enrolled, i.e. has tables. Read once per instance; the first
   * time it finds them it also adds any this version defines that an older one did not.
   */
  exists(): boolean {
    if (this.#exists) return true;
    // The owner table is created in the same transaction as every other one.
    const found = this.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'owner'").toArray().length > 0;
    if (found) this.create();
    return this.#exists;
  }

  /** Creates every table (idempotent), all or none. */
  create(): void {
    if (this.#exists) return;
    this.storage.transactionSync(() => {
      for (const statement of STATEMENTS) this.storage.sql.exec(statement);
    });
    this.#exists = true;
  }
}
