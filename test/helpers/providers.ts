import { env, SELF } from "cloudflare:test";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import { bytesToBase64Url } from "../../protocol/bytes.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { enrollWith, GATEWAY_URL, type EnrollResponse, type TestDevice } from "./gateway.ts";

export type Alg = "EdDSA" | "ES256" | "RS256";
export type JwksMode = "ok" | "down" | "slow" | "huge" | "garbage" | "redirect";

interface SigningKey {
  readonly kid: string;
  readonly alg: Alg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`${GATEWAY_URL}/v1/admin${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json", ...init.headers },
  });
}

async function signingKey(alg: Alg, kid: string, modulusLength = 2048): Promise<SigningKey> {
  // jose refuses to generate RSA keys under 2048 bits, so weak keys for tests come from WebCrypto directly.
  const { privateKey, publicKey } =
    alg === "RS256"
      ? ((await crypto.subtle.generateKey(
          { name: "RSASSA-PKCS1-v1_5", modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
          true,
          ["sign", "verify"],
        )) as CryptoKeyPair)
      : await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/**
 * A provider under test: its own keys, its own path on the real JWKS server, and a
 * registry entry created through the admin API.
 */
export class TestProvider {
  readonly keys: SigningKey[] = [];

  private constructor(
    readonly id: string,
    readonly issuer: string,
    readonly jwksBase: string,
  ) {}

  static async create(options: { alg?: Alg; register?: boolean } = {}): Promise<TestProvider> {
    const id = `p-${crypto.randomUUID().slice(0, 8)}`;
    const provider = new TestProvider(id, `https://${id}.example`, `${env.PROVIDER_SERVER_URL}/p/${id}`);
    provider.keys.push(await signingKey(options.alg ?? "ES256", `${id}-k1`));
    await provider.publish();
    if (options.register !== false) {
      const res = await admin("/providers", {
        method: "POST",
        body: JSON.stringify({ id, issuer: provider.issuer, jwksUri: provider.jwksUri }),
      });
      if (res.status !== 201) throw new Error(`register ${id}: ${res.status} ${await res.text()}`);
    }
    return provider;
  }

  get jwksUri(): string {
    return `${this.jwksBase}/jwks.json`;
  }

  /** Publishes the current public keys (or an explicit JWKS document) on the JWKS server. */
  async publish(doc: unknown = { keys: this.keys.map((k) => k.publicJwk) }): Promise<void> {
    await fetch(`${this.jwksBase}/keys`, { method: "PUT", body: JSON.stringify(doc) });
  }

  async setMode(mode: JwksMode): Promise<void> {
    await fetch(`${this.jwksBase}/mode`, { method: "PUT", body: mode });
  }

  async stats(): Promise<{ requests: number; notModified: number }> {
    return (await fetch(`${this.jwksBase}/stats`)).json();
  }

  /** Adds a key and makes it the signing key; `publish: false` leaves the JWKS behind (unknown kid). */
  async rotate(options: { alg?: Alg; publish?: boolean; dropOld?: boolean } = {}): Promise<void> {
    const next = await signingKey(options.alg ?? this.keys[0]!.alg, `${this.id}-k${this.keys.length + 1}`);
    if (options.dropOld) this.keys.splice(0, this.keys.length);
    this.keys.unshift(next);
    if (options.publish !== false) await this.publish();
  }

  /** A token for `sub` bound to `deviceKey`, with any claim or header overridden. */
  async token(
    sub: string,
    deviceKey: Uint8Array,
    overrides: { claims?: JWTPayload; kid?: string; key?: SigningKey; lifetimeS?: number; iatOffsetS?: number } = {},
  ): Promise<string> {
    const key = overrides.key ?? this.keys[0]!;
    const now = Math.floor(Date.now() / 1000) + (overrides.iatOffsetS ?? 0);
    const claims: JWTPayload = {
      iss: this.issuer,
      sub,
      aud: env.GATEWAY_AUDIENCE,
      iat: now,
      exp: now + (overrides.lifetimeS ?? 300),
      jti: crypto.randomUUID(),
      preferred_username: `${sub}@${this.id}`,
      cnf: { jwk: { kty: "OKP", crv: "X25519", x: bytesToBase64Url(deviceKey) } },
      ...overrides.claims,
    };
    return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: overrides.kid ?? key.kid, typ: "JWT" }).sign(key.privateKey);
  }

  /** Enrolls a fresh device (new Noise key) for `sub` with this provider's tokens. */
  async enrollDevice(sub: string): Promise<TestDevice> {
    const staticKey = await webcryptoX25519.generateKeyPair();
    const res = await enrollWith(await this.token(sub, staticKey.publicKey));
    if (!res.ok) throw new Error(`enroll at ${this.id}: ${res.status} ${await res.text()}`);
    const { networkId, deviceId } = await res.json<EnrollResponse>();
    return { sub, networkId, deviceId, staticKey, token: () => this.token(sub, staticKey.publicKey) };
  }

  static signingKey = signingKey;
}
