import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Messenger, ParleyConnection, type IncomingMessage } from "../../client/index.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { enrollDevice, startDevGateway, type DevGateway } from "./dev-gateway.ts";

let gateway: DevGateway;
let base: string;
let rootKey: Uint8Array;

beforeAll(async () => {
  gateway = await startDevGateway();
  ({ base, rootKey } = gateway);
});

afterAll(() => gateway?.stop());

const device = () => enrollDevice(gateway);

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
    // The embedded defaults configure no TURN server: a device is told so, not handed credentials.
    expect(await alice.messenger.turnCredentials()).toBeNull();
    alice.conn.close();
    bob.conn.close();
  });

  it("closes a garbage frame from a plain WebSocket with a clear code", async () => {
    // An enrolled user: the gateway answers 404 for a network ID nobody enrolled, before any socket.
    const ws = new WebSocket(`${base.replace("http", "ws")}/v1/connect/${(await device()).networkId}`);
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
