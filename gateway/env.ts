import type { UserObject } from "../durable-objects/user-object.ts";

/** Bindings and secrets of the gateway (wrangler.toml + secrets / .dev.vars). */
export interface Env {
  readonly USERS: DurableObjectNamespace<UserObject>;
  /** X25519 private key of the gateway's Noise static key, base64url (32 bytes). Secret. */
  readonly NOISE_STATIC_KEY: string;
  /** Ed25519 seed of the gateway root signing key, base64url (32 bytes). Secret. */
  readonly ROOT_SIGNING_KEY: string;
  /** Shown to clients as the certificate issuer. */
  readonly GATEWAY_NAME: string;
}
