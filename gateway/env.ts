import type { ProviderLimiter } from "../durable-objects/provider-limiter.ts";
import type { GroupObject } from "../durable-objects/group-object.ts";
import type { UserObject } from "../durable-objects/user-object.ts";

/** Bindings, variables and secrets of the gateway (wrangler.toml + secrets / .dev.vars). */
export interface Env {
  readonly USERS: DurableObjectNamespace<UserObject>;
  /** One per group: membership, epoch and the ordered log (docs/groups.md). */
  readonly GROUPS: DurableObjectNamespace<GroupObject>;
  /** One per provider: the provider-wide message budget. */
  readonly PROVIDER_LIMITS: DurableObjectNamespace<ProviderLimiter>;
  /** Published prekey bundles (`bundle:<networkId>:<deviceId>`), public parts only, for edge reads. */
  readonly BUNDLES: KVNamespace;
  /** Directory: `dir:<provider>:<identifier>` -> network ID, for users who opted in; `user:<networkId>` -> provider ID for every enrolled user (`user-index.ts`). */
  readonly DIRECTORY: KVNamespace;
  /** Encrypted media, content-addressed: `media/<sha256 of the encrypted file, hex>`. */
  readonly MEDIA: R2Bucket;
  /** Provider registry (`provider:<id>`, `issuer:<iss>`) and cached JWKS (`jwks:<id>`). */
  readonly PROVIDERS: KVNamespace;
  /** X25519 private key of the gateway's Noise static key, base64url (32 bytes). Secret. */
  readonly NOISE_STATIC_KEY: string;
  /** Ed25519 seed of the gateway root signing key, base64url (32 bytes). Secret. */
  readonly ROOT_SIGNING_KEY: string;
  /** HMAC key deriving network IDs from (provider, subject), base64url (32 bytes). Secret; never rotate. */
  readonly NETWORK_ID_KEY: string;
  /** HMAC key of media tokens (uploads and downloads at /v1/media), base64url (32 bytes). Secret; rotating it only voids tokens in flight. */
  readonly MEDIA_TOKEN_KEY: string;
  /** Bearer token for /v1/admin. Secret. */
  readonly ADMIN_TOKEN: string;
  /** Shown to clients as the certificate issuer. */
  readonly GATEWAY_NAME: string;
  /** The `aud` provider tokens must carry unless a provider entry overrides it. */
  readonly GATEWAY_AUDIENCE: string;
  /** "true" allows http:// JWKS URIs (local development and tests only). */
  readonly ALLOW_HTTP_JWKS?: string;
  /** How long an undelivered stanza waits in an inbox (default 30 days); its sender is told when it expires. */
  readonly MESSAGE_TTL_SECONDS?: string;
  /** Per-user budget of messages, receipts, presence and chat states (default 600 a minute). */
  readonly USER_STANZAS_PER_MINUTE?: string;
  /** Per-user budget of directory lookups (default 30 a minute). */
  readonly LOOKUPS_PER_MINUTE?: string;
  /** Per-user budget of media proxy fetches from provider hosts; cache hits are free (default 60 a minute). */
  readonly MEDIA_FETCHES_PER_MINUTE?: string;
  /** Largest encrypted media file accepted for upload or proxied from a provider (default 64 MiB). */
  readonly MEDIA_MAX_BYTES?: string;
  /** Most members a group may have (default 1024). */
  readonly GROUP_MAX_MEMBERS?: string;
  /** Per-user budget of groups created (default 5 a minute). */
  readonly GROUPS_CREATED_PER_MINUTE?: string;
  /** Per-user budget of members added to groups, invitations included (default 100 a minute). */
  readonly GROUP_ADDS_PER_MINUTE?: string;
  /** TURN servers handed to devices for calls, space-separated `turn:` / `turns:` URIs (docs/calls.md); unset: none. */
  readonly TURN_URLS?: string;
  /** The TURN servers' shared secret (coturn's static-auth-secret). Secret. */
  readonly TURN_SECRET?: string;
  /** How long TURN credentials stay valid (default 3600 s). */
  readonly TURN_TTL_SECONDS?: string;
  /** Ed25519 seed of the built-in development provider; unset in production, which disables it. */
  readonly DEV_PROVIDER_KEY?: string;
}
