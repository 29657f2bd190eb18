import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enroll, Messenger, ParleyConnection, type IncomingMessage } from "../../client/index.ts";
import { base64UrlToBytes, bytesToBase64Url } from "../../protocol/bytes.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { nobleX25519 } from "../../protocol/noise/dh25519.ts";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const networkId = () => Array.from(randomBytes(26), (b) => BASE32[b & 31]).join("");

/** A token from the gateway's built-in development provider, over real HTTP. */
async function devToken(sub: string, deviceKey: Uint8Array): Promise<string> {
  const res = await fetch(`${base}/dev/provider/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sub, deviceKey: bytesToBase64Url(deviceKey) }),
  });
  if (!res.ok) throw new Error(`dev token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

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

let wrangler: ChildProcess;
let base: string;
let stateDir: string;
let rootKey: Uint8Array;
let output = "";

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  stateDir = mkdtempSync(join(tmpdir(), "parley-dev-"));
  wrangler = spawn(
    "node_modules/.bin/wrangler",
    [
      "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", stateDir,
      ...["NOISE_STATIC_KEY", "ROOT_SIGNING_KEY", "NETWORK_ID_KEY", "ADMIN_TOKEN", "DEV_PROVIDER_KEY"].flatMap((name) => [
        "--var",
        `${name}:${randomBytes(32).toString("base64url")}`,
      ]),
      "--var", "ALLOW_HTTP_JWKS:true",
    ],
    { env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" }, detached: true },
  );
  wrangler.stdout?.on("data", (d) => (output += d));
  wrangler.stderr?.on("data", (d) => (output += d));
  // The gateway's own keys come from --var here (or a developer's .dev.vars); the root key is read back.
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`${base}/v1/gateway`);
      if (res.ok) {
        rootKey = base64UrlToBytes(((await res.json()) as { rootKey: string }).rootKey);
        return;
      }
    } catch {
      // not listening yet
    }
    if (wrangler.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`wrangler dev did not start:\n${output}`);
});

afterAll(() => {
  try {
    if (wrangler?.pid) process.kill(-wrangler.pid, "SIGTERM");
  } catch {
    // Already exited.
  }
  rmSync(stateDir, { recursive: true, force: true });
});

/** Enrolls a fresh device for a fresh user, the way an integrating client would. */
async function device() {
  const sub = `node-${randomBytes(4).toString("hex")}`;
  const staticKey = await nobleX25519.generateKeyPair();
  const enrolled = await enroll(base, await devToken(sub, staticKey.publicKey));
  expect(enrolled.gateway.rootKey).toEqual(rootKey);
  return { networkId: enrolled.networkId, deviceId: enrolled.deviceId, staticKey, providerToken: () => devToken(sub, staticKey.publicKey) };
}

describe("SDK over real TCP WebSockets against wrangler dev", () => {
  it("handshakes with XX, then IK with the learned key, and pings", async () => {
    const d = await device();
    const options = { gatewayUrl: base, ...d, rootKey, keepaliveMs: 0, reconnect: false as const, backend: "noble" as const };
    const first = new ParleyConnection(options);
    expect((await first.connect()).mode).toBe("XX");
    expect(await first.ping()).toBeGreaterThanOrEqual(0);
    first.close();
    const second = new ParleyConnection({ ...options, serverStaticKey: first.serverStaticKey, backend: "webcrypto" });
    expect((await second.connect()).mode).toBe("IK");
    expect(await second.ping()).toBeGreaterThanOrEqual(0);
    second.close();
  });

  it("two devices exchange a message and a read receipt through wrangler dev", async () => {
    const [a, b] = [await device(), await device()];
    const connect = async (d: Awaited<ReturnType<typeof device>>) => {
      const conn = new ParleyConnection({ gatewayUrl: base, ...d, rootKey, keepaliveMs: 0, reconnect: false });
      const messenger = new Messenger(conn);
      await conn.connect();
      return { conn, messenger };
    };
    const [alice, bob] = [await connect(a), await connect(b)];
    const received = new Promise<IncomingMessage>((resolve) => bob.messenger.onMessage(resolve));
    const { id } = await alice.messenger.sendMessage(b.networkId, [{ device: b.deviceId, type: "msg", payload: btoa("over real TCP") }]);
    const message = await received;
    expect(message).toMatchObject({ id, from: a.networkId });
    expect(atob(message.enc.payload)).toBe("over real TCP");
    const receipt = new Promise((resolve) => alice.messenger.onReceipt(resolve));
    await bob.messenger.sendReceipt(a.networkId, id, "read");
    expect(await receipt).toMatchObject({ id, type: "read", from: b.networkId });
    alice.conn.close();
    bob.conn.close();
  });

  it("closes a garbage frame from a plain WebSocket with a clear code", async () => {
    const ws = new WebSocket(`${base.replace("http", "ws")}/v1/connect/${networkId()}`);
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", reject, { once: true });
    });
    const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve, { once: true }));
    ws.send(new Uint8Array([0x7f, 1, 2, 3]));
    const event = await closed;
    expect(event.code).toBe(CloseCode.MALFORMED_FRAME);
    expect(event.reason).toMatch(/unknown first handshake frame tag/);
  });
});
