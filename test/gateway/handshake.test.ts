import { describe, expect, it } from "vitest";
import { CloseCode } from "../../client/index.ts";
import { webcryptoX25519 } from "../../protocol/noise/dh25519.ts";
import { gatewayInfo, newConnection, newDevice, waitFor } from "../helpers/gateway.ts";

describe("Noise Pipes over WebSocket", () => {
  it("first contact runs XX, verifies the certificate and learns the gateway key", async () => {
    const conn = await newConnection(await newDevice());
    const learned = waitFor<Uint8Array>((done) => conn.on("serverKey", done));
    const session = await conn.connect();
    expect(session.mode).toBe("XX");
    expect(session.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await learned).toEqual((await gatewayInfo()).staticKey);
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
    conn.close();
  });

  it("a client that knows the gateway key runs IK", async () => {
    const device = await newDevice();
    const conn = await newConnection(device, { serverStaticKey: (await gatewayInfo()).staticKey });
    let keyEvents = 0;
    conn.on("serverKey", () => keyEvents++);
    expect((await conn.connect()).mode).toBe("IK");
    expect(keyEvents).toBe(0);
    expect(await conn.ping()).toBeGreaterThanOrEqual(0);
    conn.close();
  });

  it("a stale gateway key falls back to XXfallback and learns the current key", async () => {
    const stale = (await webcryptoX25519.generateKeyPair()).publicKey;
    const conn = await newConnection(await newDevice(), { serverStaticKey: stale });
    const learned = waitFor<Uint8Array>((done) => conn.on("serverKey", done));
    expect((await conn.connect()).mode).toBe("XXfallback");
    expect(await learned).toEqual((await gatewayInfo()).staticKey);
    expect(conn.serverStaticKey).toEqual((await gatewayInfo()).staticKey);
    await conn.ping();
    conn.close();
  });

  it("many pings in flight keep nonces in order on both sides", async () => {
    const conn = await newConnection(await newDevice());
    await conn.connect();
    const rtts = await Promise.all(Array.from({ length: 50 }, () => conn.ping()));
    expect(rtts).toHaveLength(50);
    conn.close();
  });

  it("refuses a gateway whose certificate is not signed by the pinned root key, before sending the hello", async () => {
    const wrongRoot = new Uint8Array(32).fill(7);
    const conn = await newConnection(await newDevice(), { rootKey: wrongRoot });
    const closed = waitFor<{ code: number; reason: string }>((done) => conn.on("close", done));
    await expect(conn.connect()).rejects.toThrow(/gateway not trusted/);
    expect((await closed).code).toBe(CloseCode.HANDSHAKE_FAILED);
  });

  it("a hello for another device format is forbidden and not retried", async () => {
    const device = { ...(await newDevice()), deviceId: "not a device id!" };
    const conn = await newConnection(device, { reconnect: { baseMs: 1, maxMs: 2 } });
    const closed = waitFor<{ code: number; reconnectInMs: number | null }>((done) => conn.on("close", done));
    await expect(conn.connect()).rejects.toThrow(/4403/);
    expect(await closed).toMatchObject({ code: CloseCode.FORBIDDEN, reconnectInMs: null });
  });
});
