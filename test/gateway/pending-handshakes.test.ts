import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readAttachment, writeAttachment, type SocketAttachment } from "../../durable-objects/socket-attachment.ts";
import { HANDSHAKE_TIMEOUT_MS, MAX_PENDING_HANDSHAKES } from "../../durable-objects/user-object.ts";
import { nextAlarmAt } from "../../durable-objects/alarm-schedule.ts";
import { CloseCode } from "../../protocol/close-codes.ts";
import { GATEWAY_URL, newConnection, newDevice, openSocket } from "../helpers/gateway.ts";
import { rawSession } from "../helpers/raw-client.ts";
import { eventually } from "../helpers/users.ts";

const stubFor = (networkId: string) => env.USERS.get(env.USERS.idFromName(networkId));

const isPending = (a: SocketAttachment | null, ws: WebSocket) => ws.readyState === WebSocket.OPEN && (a?.phase === "awaiting-hello" || a?.phase === "handshaking");

/**
 * Moves the clock of every socket still waiting for its handshake: each one's openedAtMs is
 * rewritten by `shift(index, nowMs)`. Returns the alarm the object must now set, the
 * earliest deadline of those that will still be waiting after it ran.
 */
function rewriteOpenedAt(networkId: string, shift: (index: number, nowMs: number, openedAtMs: number) => number): Promise<number[]> {
  return runInDurableObject(stubFor(networkId), (_instance, state) => {
    const now = Date.now();
    const deadlines: number[] = [];
    let i = 0;
    for (const ws of state.getWebSockets()) {
      const a = readAttachment(ws);
      if (!a || !isPending(a, ws)) continue;
      const openedAtMs = shift(i++, now, a.openedAtMs);
      writeAttachment(ws, { ...a, openedAtMs });
      deadlines.push(openedAtMs + HANDSHAKE_TIMEOUT_MS);
    }
    return deadlines.sort((x, y) => x - y);
  });
}

const alarmOf = (networkId: string) => runInDurableObject(stubFor(networkId), (_i, state) => state.storage.getAlarm());

function connectStatus(networkId: string): Promise<Response> {
  return SELF.fetch(`${GATEWAY_URL}/v1/connect/${networkId}`, { headers: { Upgrade: "websocket" } });
}

describe("half-open sockets (issue 12 §2)", () => {
  it("closes every socket at its own deadline, however many were opened when", async () => {
    const device = await newDevice();
    const live = await newConnection(device);
    await live.connect();
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) (await openSocket(`/v1/connect/${device.networkId}`)).addEventListener("close", (e) => {
        codes.push(e.code);
      });
    // As if opened 10 s apart, the first one just past its deadline.
    const deadlines = await rewriteOpenedAt(device.networkId, (i, now) => now - HANDSHAKE_TIMEOUT_MS - 1 + i * 10_000);
    for (let closed = 1; closed <= 4; closed++) {
      expect(await runDurableObjectAlarm(stubFor(device.networkId))).toBe(true);
      await eventually(async () => codes.length === closed);
      expect(codes).toEqual(Array(closed).fill(CloseCode.HANDSHAKE_TIMEOUT));
      // The next alarm is the next socket's own deadline, not pushed out by the one just closed.
      expect(await alarmOf(device.networkId)).toBe(closed < 4 ? deadlines[1] : null);
      // 10 s pass for the sockets still waiting.
      deadlines.splice(0, deadlines.length, ...(await rewriteOpenedAt(device.networkId, (_i, _now, openedAtMs) => openedAtMs - 10_000)));
    }
    expect(await live.ping()).toBeGreaterThanOrEqual(0);
    live.close();
  });

  it("an overdue item is retried later without delaying other deadlines", () => {
    const now = 1_000_000;
    expect(nextAlarmAt([now - 5, now + 10_000, null], now, 60_000)).toBe(now + 10_000);
    expect(nextAlarmAt([now - 5, now + 90_000], now, 60_000)).toBe(now + 60_000);
    expect(nextAlarmAt([null, null], now, 60_000)).toBeNull();
  });

  it(`refuses a connection beyond ${MAX_PENDING_HANDSHAKES} waiting for their handshake, and takes one again once a slot frees`, async () => {
    const device = await newDevice();
    const live = await newConnection(device);
    await live.connect();
    const waiting: WebSocket[] = [];
    for (let i = 0; i < MAX_PENDING_HANDSHAKES - 1; i++) waiting.push(await openSocket(`/v1/connect/${device.networkId}`));
    // The last slot goes to the user's other device, which finishes its handshake and so frees it again...
    const session = await rawSession(await newDevice(device.sub));
    // ...for one more that waits; the next is refused before any socket exists.
    waiting.push(await openSocket(`/v1/connect/${device.networkId}`));
    const full = await connectStatus(device.networkId);
    expect(full.webSocket).toBeNull();
    expect(full.status).toBe(429);
    expect((await full.json<{ error: string }>()).error).toBe("too-many-pending-handshakes");
    expect(Number(full.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    // Sessions already open are untouched.
    expect(await live.ping()).toBeGreaterThanOrEqual(0);
    // A peer that leaves frees its slot.
    waiting.pop()!.close(1000);
    const again = await eventually(async () => {
      const res = await connectStatus(device.networkId);
      return res.status === 101 ? res : false;
    });
    again.webSocket!.accept();
    again.webSocket!.close(1000);
    // Timed-out sockets free theirs too.
    await rewriteOpenedAt(device.networkId, () => 0);
    await runDurableObjectAlarm(stubFor(device.networkId));
    const afterTimeout = await connectStatus(device.networkId);
    expect(afterTimeout.status).toBe(101);
    afterTimeout.webSocket!.accept();
    afterTimeout.webSocket!.close(1000);
    session.ws.close(1000);
    live.close();
  });
});
