// Node-side clients for bench/runtime.bench.ts: SDK devices enrolled through the gateway's
// built-in development provider, raw WebSockets for the baselines, and small statistics.
// Imports the SDK modules directly (not client/index.ts) so the bench depends on nothing
// but the transport and messenger it measures.
import { ParleyConnection } from "../client/connection.ts";
import { devProviderToken } from "../client/dev-provider.ts";
import { enroll } from "../client/enroll.ts";
import { webcryptoX25519 } from "../protocol/noise/dh25519.ts";
import type { KeyPair } from "../protocol/noise/index.ts";
import { RelayFrame } from "./echo-protocol.ts";

export interface BenchDevice {
  readonly sub: string;
  readonly networkId: string;
  readonly deviceId: string;
  /** WebCrypto key with its handle, as an efficient SDK client keeps it (no re-import per DH). */
  readonly staticKey: KeyPair;
  readonly rootKey: Uint8Array;
  readonly serverStaticKey: Uint8Array;
}

/** A single-use provider token from the dev provider. */
export function mintToken(base: string, sub: string, deviceKey: Uint8Array): Promise<string> {
  return devProviderToken(base, { sub, deviceKey });
}

/** Enrolls one device of a fresh user, the way an integrating client does. */
export async function enrollDevice(url: string, sub: string): Promise<BenchDevice> {
  const staticKey = await webcryptoX25519.generateKeyPair();
  const e = await enroll(url, await devProviderToken(url, { sub, deviceKey: staticKey.publicKey }));
  return { sub, networkId: e.networkId, deviceId: e.deviceId, staticKey, rootKey: e.gateway.rootKey, serverStaticKey: e.gateway.staticKey };
}

/** Runs `count` tasks with at most `concurrency` in flight; results in task order. */
export async function pool<T>(concurrency: number, count: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/**
 * Tokens minted ahead of a timed section: minting is the provider backend's work (an Ed25519
 * signature in the dev provider), not the gateway's, so it must not count as handshake cost.
 */
export async function mintTokens(url: string, device: BenchDevice, count: number): Promise<string[]> {
  return pool(4, count, () => devProviderToken(url, { sub: device.sub, deviceKey: device.staticKey.publicKey }));
}

/** A connection for `device` that takes its token from `tokens`; IK when `ik`, else XX. No keepalive, no reconnect. */
export function connection(url: string, device: BenchDevice, tokens: string[], ik: boolean): ParleyConnection {
  return new ParleyConnection({
    gatewayUrl: url,
    networkId: device.networkId,
    deviceId: device.deviceId,
    staticKey: device.staticKey,
    rootKey: device.rootKey,
    serverStaticKey: ik ? device.serverStaticKey : null,
    providerToken: () => {
      const token = tokens.pop();
      if (!token) throw new Error("bench ran out of pre-minted tokens");
      return token;
    },
    // Idle clients must stay idle (no pings waking their objects); a failure must surface, not retry.
    keepaliveMs: 0,
    reconnect: false,
  });
}

/** A plain WebSocket to the echo Durable Object `name`, open; `durable`: it stores each message while echoing it. */
export function rawSocket(url: string, name: string, durable = false): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/bench/echo/${name}${durable ? "?durable=1" : ""}`);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => resolve(ws), { once: true });
    ws.addEventListener("error", () => reject(new Error(`could not connect to echo ${name}`)), { once: true });
  });
}

/**
 * Request/response over one echo socket. The echo preserves order (one socket, one object),
 * so replies are matched to requests first-in first-out.
 */
export class EchoClient {
  readonly #waiting: ((data: unknown) => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => this.#waiting.shift()?.(event.data));
  }

  request(data: ArrayBuffer | Uint8Array | string): Promise<unknown> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.socket.send(data);
    });
  }
}

/**
 * A client of the bench's RelayObject (two-object store-and-forward with no Parley in it):
 * `send` resolves once the peer's object stored the body; deliveries are acked after `onDelivery`.
 */
export class RelayClient {
  readonly #sent = new Map<number, () => void>();
  onDelivery: (id: number) => void = () => undefined;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const frame = new Uint8Array(event.data as ArrayBuffer);
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      if (frame[0] === RelayFrame.SENT) {
        const id = view.getUint32(1);
        this.#sent.get(id)?.();
        this.#sent.delete(id);
      } else if (frame[0] === RelayFrame.DELIVERY) {
        this.onDelivery(view.getUint32(5));
        const ack = new Uint8Array(5);
        ack[0] = RelayFrame.ACK;
        ack.set(frame.subarray(1, 5), 1);
        socket.send(ack);
      }
    });
  }

  static async open(url: string, name: string): Promise<RelayClient> {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/bench/relay/${name}`);
    ws.binaryType = "arraybuffer";
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve, { once: true });
      ws.addEventListener("error", () => reject(new Error(`could not connect to relay ${name}`)), { once: true });
    });
    return new RelayClient(ws);
  }

  /** Sends a `size`-byte body, starting with `id`, to `peer`'s object. */
  send(peer: string, id: number, size: number): Promise<void> {
    const name = new TextEncoder().encode(peer);
    const frame = new Uint8Array(2 + name.length + Math.max(4, size));
    frame[0] = RelayFrame.SEND;
    frame[1] = name.length;
    frame.set(name, 2);
    new DataView(frame.buffer).setUint32(2 + name.length, id);
    return new Promise((resolve) => {
      this.#sent.set(id, resolve);
      this.socket.send(frame);
    });
  }
}

export interface Summary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Mean and nearest-rank percentiles of latency samples (ms). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { count: sorted.length, meanMs: sorted.reduce((s, x) => s + x, 0) / sorted.length, p50Ms: rank(50), p99Ms: rank(99) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
