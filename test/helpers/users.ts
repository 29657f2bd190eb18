import { env, runInDurableObject } from "cloudflare:test";
import { Messenger, type IncomingMessage, type SeenStore } from "../../client/index.ts";
import type { ParleyConnection } from "../../client/connection.ts";
import type { Enc } from "../../protocol/stanzas/index.ts";
import { newConnection, type TestDevice } from "./gateway.ts";

/** A connected device with its messenger and everything its application received. */
export interface Online {
  readonly device: TestDevice;
  readonly conn: ParleyConnection;
  readonly messenger: Messenger;
  readonly received: IncomingMessage[];
  readonly backlog: Promise<number>;
}

export async function goOnline(device: TestDevice, options: { seen?: SeenStore; reconnect?: boolean; retries?: number } = {}): Promise<Online> {
  const conn = await newConnection(device, options.reconnect ? { reconnect: { baseMs: 5, maxMs: 20 } } : {});
  const messenger = new Messenger(conn, { seen: options.seen, retries: options.retries });
  const received: IncomingMessage[] = [];
  messenger.onMessage((m) => {
    received.push(m);
  });
  const backlog = new Promise<number>((resolve) => messenger.on("backlogDone", ({ count }) => resolve(count)));
  await conn.connect();
  return { device, conn, messenger, received, backlog };
}

/** An opaque stand-in for a Signal ciphertext (the gateway never looks inside). */
export function ciphertext(text: string): string {
  return btoa(text);
}

export function encsFor(devices: readonly TestDevice[], text: string): Enc[] {
  return devices.map((d) => ({ device: d.deviceId, type: "msg", payload: ciphertext(`${text} for ${d.deviceId}`) }));
}

export function userStub(networkId: string) {
  return env.USERS.get(env.USERS.idFromName(networkId));
}

/** Rows still queued for a user (per device), read straight from its Durable Object's SQLite. */
export function queued(networkId: string): Promise<{ device_id: string; class: string; key: string }[]> {
  return runInDurableObject(userStub(networkId), (_i, state) =>
    state.storage.sql.exec<{ device_id: string; class: string; key: string }>("SELECT device_id, class, key FROM inbox ORDER BY seq").toArray(),
  );
}

export async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
