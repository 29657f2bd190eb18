import { SELF } from "cloudflare:test";
import { devProviderToken, ParleyConnection, type ConnectionOptions } from "../../client/index.ts";
import { messageBytes, type SocketLike } from "../../client/socket.ts";
import { base64UrlToBytes } from "../../protocol/bytes.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import type { KeyPair } from "../../protocol/noise/index.ts";

export const GATEWAY_URL = "http://parley.test";

/** A real WebSocket to the gateway Worker, opened through its fetch handler inside workerd. */
export async function openSocket(path: string): Promise<WebSocket> {
  const response = await SELF.fetch(`${GATEWAY_URL}${path}`, { headers: { Upgrade: "websocket" } });
  const ws = response.webSocket;
  if (!ws) throw new Error(`no WebSocket: HTTP ${response.status} ${await response.text()}`);
  ws.accept();
  buffer(ws);
  return ws;
}

export const workerSocketFactory = async (url: string): Promise<SocketLike> =>
  (await openSocket(new URL(url.replace(/^ws/, "http")).pathname)) as unknown as SocketLike;

export interface GatewayInfo {
  readonly rootKey: Uint8Array;
  readonly staticKey: Uint8Array;
}

export async function gatewayInfo(): Promise<GatewayInfo> {
  const body = await (await SELF.fetch(`${GATEWAY_URL}/v1/gateway`)).json<{ rootKey: string; staticKey: string }>();
  return { rootKey: base64UrlToBytes(body.rootKey), staticKey: base64UrlToBytes(body.staticKey) };
}

export interface TestDevice {
  readonly sub: string;
  readonly networkId: string;
  readonly deviceId: string;
  readonly staticKey: KeyPair;
  /** Mints a fresh single-use provider token for this device. */
  readonly token: () => Promise<string>;
}

export function randomSub(): string {
  return `user-${crypto.randomUUID()}`;
}

/** A token from the built-in development provider, bound to `deviceKey`. */
export function devToken(sub: string, deviceKey: Uint8Array): Promise<string> {
  return devProviderToken(GATEWAY_URL, { sub, deviceKey }, (input, init) => SELF.fetch(input, init));
}

export interface EnrollResponse {
  readonly networkId: string;
  readonly deviceId: string;
  readonly created: boolean;
}

export async function enrollWith(token: string): Promise<Response> {
  return SELF.fetch(`${GATEWAY_URL}/v1/enroll`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
  });
}

/** Enrolls a new device (fresh Noise key) for `sub` through the development provider. */
export async function newDevice(sub = randomSub()): Promise<TestDevice> {
  const staticKey = await webcryptoX25519.generateKeyPair();
  const res = await enrollWith(await devToken(sub, staticKey.publicKey));
  if (!res.ok) throw new Error(`enroll: HTTP ${res.status} ${await res.text()}`);
  const { networkId, deviceId } = await res.json<EnrollResponse>();
  return { sub, networkId, deviceId, staticKey, token: () => devToken(sub, staticKey.publicKey) };
}

export async function newConnection(
  device: TestDevice,
  overrides: Partial<ConnectionOptions> = {},
): Promise<ParleyConnection> {
  const { rootKey } = await gatewayInfo();
  return new ParleyConnection({
    gatewayUrl: GATEWAY_URL,
    networkId: device.networkId,
    deviceId: device.deviceId,
    staticKey: device.staticKey,
    rootKey,
    providerToken: device.token,
    socketFactory: workerSocketFactory,
    keepaliveMs: 0,
    reconnect: false,
    ...overrides,
  });
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** Resolves with the close the gateway sends; rejects if none arrives in time. */
export function nextClose(ws: WebSocket, timeoutMs = 5000): Promise<CloseInfo> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("socket was not closed")), timeoutMs);
    ws.addEventListener("close", (e) => {
      clearTimeout(timer);
      resolve({ code: e.code, reason: e.reason });
    });
  });
}

const buffers = new WeakMap<WebSocket, { frames: unknown[]; waiters: ((data: unknown) => void)[] }>();

/** Buffers every frame from the moment a test socket opens, so none slips by between awaits. */
function buffer(ws: WebSocket): void {
  const b = { frames: [] as unknown[], waiters: [] as ((data: unknown) => void)[] };
  buffers.set(ws, b);
  ws.addEventListener("message", (e) => {
    const waiter = b.waiters.shift();
    if (waiter) waiter(e.data);
    else b.frames.push(e.data);
  });
}

/** The next binary frame on a socket from `openSocket`, in arrival order. */
export async function nextMessage(ws: WebSocket, timeoutMs = 5000): Promise<Uint8Array> {
  const b = buffers.get(ws);
  if (!b) throw new Error("socket was not opened with openSocket()");
  const data =
    b.frames.length > 0
      ? b.frames.shift()
      : await new Promise<unknown>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("no message")), timeoutMs);
          b.waiters.push((d) => {
            clearTimeout(timer);
            resolve(d);
          });
        });
  const bytes = await messageBytes(data);
  if (!bytes) throw new Error("text frame");
  return bytes;
}

export function waitFor<T>(subscribe: (done: (value: T) => void) => void, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("event did not happen")), timeoutMs);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
