import { SELF } from "cloudflare:test";
import { ParleyConnection, type ConnectionOptions } from "../../client/index.ts";
import { messageBytes, type SocketLike } from "../../client/socket.ts";
import { base64UrlToBytes } from "../../protocol/bytes.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import type { KeyPair } from "../../protocol/noise/index.ts";

export const GATEWAY_URL = "http://parley.test";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function randomNetworkId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => BASE32[b & 31]).join("");
}

/** A real WebSocket to the gateway Worker, opened through its fetch handler inside workerd. */
export async function openSocket(path: string): Promise<WebSocket> {
  const response = await SELF.fetch(`${GATEWAY_URL}${path}`, { headers: { Upgrade: "websocket" } });
  const ws = response.webSocket;
  if (!ws) throw new Error(`no WebSocket: HTTP ${response.status} ${await response.text()}`);
  ws.accept();
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
  readonly networkId: string;
  readonly deviceId: string;
  readonly staticKey: KeyPair;
}

export async function newDevice(networkId = randomNetworkId()): Promise<TestDevice> {
  return { networkId, deviceId: "dev1", staticKey: await webcryptoX25519.generateKeyPair() };
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
    providerToken: () => "dev-token",
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

/** The next message on `ws` (listeners are one-shot, so calls queue up in order). */
export function nextMessage(ws: WebSocket, timeoutMs = 5000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no message")), timeoutMs);
    const listener = (e: MessageEvent) => {
      ws.removeEventListener("message", listener);
      clearTimeout(timer);
      messageBytes(e.data).then((bytes) => (bytes ? resolve(bytes) : reject(new Error("text frame"))), reject);
    };
    ws.addEventListener("message", listener);
  });
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
