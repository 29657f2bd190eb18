import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devProviderToken, enroll } from "../../client/index.ts";
import { base64UrlToBytes } from "../../protocol/bytes.ts";
import { nobleX25519 } from "../../protocol/noise/dh25519.ts";
import type { KeyPair } from "../../protocol/noise/index.ts";

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
  stop(): void;
}

/** `wrangler dev` on a free port with fresh secrets and its own state folder: the gateway as `npm start` runs it. */
export async function startDevGateway(): Promise<DevGateway> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stateDir = mkdtempSync(join(tmpdir(), "parley-dev-"));
  let output = "";
  const wrangler: ChildProcess = spawn(
    "node_modules/.bin/wrangler",
    [
      "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir,
      ...["NOISE_STATIC_KEY", "ROOT_SIGNING_KEY", "NETWORK_ID_KEY", "MEDIA_TOKEN_KEY", "ADMIN_TOKEN", "DEV_PROVIDER_KEY"].flatMap((name) => [
        "--var",
        `${name}:${randomBytes(32).toString("base64url")}`,
      ]),
      "--var", "ALLOW_HTTP_JWKS:true",
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }, detached: true },
  );
  wrangler.stdout?.on("data", (d) => (output += d));
  wrangler.stderr?.on("data", (d) => (output += d));
  const stop = () => {
    try {
      if (wrangler.pid) process.kill(-wrangler.pid, "SIGTERM");
    } catch {
      // Already exited.
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  // The gateway's own keys come from --var here (or a developer's .dev.vars); the root key is read back.
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${base}/v1/gateway`);
      if (res.ok) return { base, rootKey: base64UrlToBytes(((await res.json()) as { rootKey: string }).rootKey), stop };
    } catch {
      // not listening yet
    }
    if (wrangler.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`wrangler dev did not start:\n${output}`);
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
