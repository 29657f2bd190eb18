import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../client/backoff.ts";
import type { SocketLike } from "../../client/socket.ts";
import type { SocketAttachment } from "../../durable-objects/socket-attachment.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { newConnection, newDevice, waitFor, workerSocketFactory } from "../helpers/gateway.ts";

const fast = { baseMs: 5, maxMs: 20 };

describe("client SDK: reconnect, keepalive, backoff", () => {
  it("reconnects after the gateway drops the socket, resuming with IK", async () => {
    const device = await newDevice();
    const conn = await newConnection(device, { reconnect: fast });
    expect((await conn.connect()).mode).toBe("XX");
    const closed = waitFor<{ code: number; reconnectInMs: number | null }>((done) => conn.on("close", done));
    const reopened = waitFor<{ mode: string }>((done) => conn.on("open", done));
    await runInDurableObject(env.USERS.get(env.USERS.idFromName(device.networkId)), (_i, state) => {
      for (const ws of state.getWebSockets()) ws.close(CloseCode.SERVICE_RESTART, "restarting");
    });
    const info = await closed;
    expect(info.code).toBe(CloseCode.SERVICE_RESTART);
    expect(info.reconnectInMs).not.toBeNull();
    expect((await reopened).mode).toBe("IK");
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
    conn.close();
  });

  it("sends encrypted keepalive pings on its own", async () => {
    const device = await newDevice();
    const conn = await newConnection(device, { keepaliveMs: 10 });
    await conn.connect();
    const stub = env.USERS.get(env.USERS.idFromName(device.networkId));
    const received = () =>
      runInDurableObject(stub, (_i, state) => {
        const a = state.getWebSockets()[0]?.deserializeAttachment() as SocketAttachment | undefined;
        return a?.phase === "open" ? a.channel.receive.n : 0;
      });
    for (let i = 0; i < 200 && (await received()) < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await received()).toBeGreaterThanOrEqual(3);
    conn.close();
  });

  it("treats an unanswered keepalive as a dead connection and reconnects", async () => {
    let blackHole = false;
    // The network path swallows client frames once the first session is up (a half-open TCP link).
    const factory = async (url: string): Promise<SocketLike> => {
      const socket = await workerSocketFactory(url);
      const send = socket.send.bind(socket);
      socket.send = (data) => (blackHole ? undefined : send(data));
      return socket;
    };
    const conn = await newConnection(await newDevice(), { socketFactory: factory, keepaliveMs: 10, pongTimeoutMs: 30, reconnect: fast });
    await conn.connect();
    const closed = waitFor<{ reason: string; reconnectInMs: number | null }>((done) => conn.on("close", done));
    blackHole = true;
    const info = await closed;
    expect(info.reason).toBe("keepalive timed out");
    expect(info.reconnectInMs).not.toBeNull();
    conn.close();
  });

  it("close() stops everything and a later connect() is refused", async () => {
    const conn = await newConnection(await newDevice(), { reconnect: fast });
    await conn.connect();
    const closed = waitFor<{ reconnectInMs: number | null }>((done) => conn.on("close", done));
    conn.close();
    expect((await closed).reconnectInMs).toBeNull();
    expect(conn.state).toBe("closed");
    await expect(conn.connect()).rejects.toThrow(/closed/);
    await expect(conn.send("<x/>")).rejects.toThrow(/not open/);
  });

  it("backoff grows exponentially to its cap with full jitter", () => {
    const opts = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(5, opts, () => 0)).toBe(0);
    const samples = Array.from({ length: 200 }, () => backoffDelay(3, opts));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(800);
    expect(new Set(samples).size).toBeGreaterThan(50);
  });
});

describe("client SDK: connect()", () => {
  it("on an open connection resolves at once with the current session", async () => {
    const conn = await newConnection(await newDevice());
    const first = await conn.connect();
    expect(await conn.connect()).toEqual(first);
    conn.close();
  });
});
