import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devProviderToken, enroll } from "../../client/index.ts";
import { base64UrlToBytes } from "../../protocol/bytes.ts";
import { nobleX25519 } from "../../protocol/noise/dh25519.ts";
import type { KeyPair } from "../../protocol/noise/index.ts";
import { startLocalGateway } from "../../scripts/local-gateway.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export interface DevGateway {
  readonly base: string;
  readonly rootKey: Uint8Array;
  /** The bearer token of this gateway's admin API. */
  readonly adminToken: string;
  /** What wrangler and workerd printed so far. */
  output(): string;
  stop(): void;
}

export interface DevGatewayOptions {
  /** Fire the crons (JWKS polling) every this many seconds instead of on wrangler.toml's schedule. */
  readonly cronEverySeconds?: number;
}

/** The gateway as `npm start` runs it (scripts/local-gateway.ts), on a free port with fresh secrets and its own state folder. */
export async function startDevGateway(options: DevGatewayOptions = {}): Promise<DevGateway> {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "parley-dev-"));
  const secrets = Object.fromEntries(
    ["NOISE_STATIC_KEY", "ROOT_SIGNING_KEY", "NETWORK_ID_KEY", "MEDIA_TOKEN_KEY", "ADMIN_TOKEN", "DEV_PROVIDER_KEY"].map((name) => [name, randomBytes(32).toString("base64url")]),
  );
  let output = "";
  const gateway = startLocalGateway({
    host: "127.0.0.1",
    port,
    stateDir,
    vars: { ...secrets, ALLOW_HTTP_JWKS: "true" },
    stdio: "pipe",
    detached: true,
    ...(options.cronEverySeconds ? { cronEverySeconds: options.cronEverySeconds } : {}),
  });
  gateway.process.stdout?.on("data", (d) => (output += d));
  gateway.process.stderr?.on("data", (d) => (output += d));
  const stop = () => {
    gateway.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([gateway.ready, new Promise((_, reject) => setTimeout(() => reject(new Error("not listening after 60 s")), 60_000))]);
    // The gateway's own keys come from --var here (or a developer's .dev.vars); the root key is read back.
    const res = await fetch(`${gateway.url}/v1/gateway`);
    const rootKey = base64UrlToBytes(((await res.json()) as { rootKey: string }).rootKey);
    return { base: gateway.url, rootKey, adminToken: secrets.ADMIN_TOKEN!, output: () => output, stop };
  } catch (err) {
    stop();
    throw new Error(`wrangler dev did not start (${(err as Error).message}):\n${output}`);
  }
}

export interface NodeDevice {
  readonly networkId: string;
  readonly deviceId: string;
  readonly staticKey: KeyPair;
  readonly providerToken: () => Promise<string>;
}

/** Enrolls a fresh device for a fresh user, the way an integrating client would. */
export async function enrollDevice(gateway: DevGateway): Promise<NodeDevice> {
  const sub = `node-${randomBytes(4).toString("hex")}`;
  const staticKey = await nobleX25519.generateKeyPair();
  const enrolled = await enroll(gateway.base, await devProviderToken(gateway.base, { sub, deviceKey: staticKey.publicKey }));
  return { networkId: enrolled.networkId, deviceId: enrolled.deviceId, staticKey, providerToken: () => devProviderToken(gateway.base, { sub, deviceKey: staticKey.publicKey }) };
}
