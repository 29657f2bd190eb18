import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signPush } from "../../gateway/push/webhook.ts";
import { newDevice } from "../helpers/gateway.ts";
import { admin, TestProvider } from "../helpers/providers.ts";
import { encsFor, eventually, goOnline, queued, userStub } from "../helpers/users.ts";

const SECRET = "push-secret-".repeat(4);

async function providerWithPush(): Promise<TestProvider> {
  const p = await TestProvider.create();
  const res = await admin(`/providers/${p.id}`, {
    method: "PATCH",
    body: JSON.stringify({ pushWebhook: { url: `${p.jwksBase}/push`, secret: SECRET } }),
  });
  expect(res.status).toBe(200);
  return p;
}

interface ReceivedPush {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe("push to the provider of an offline device", () => {
  it("sends one signed, content-free push per burst, retried with backoff after a failure", async () => {
    const acme = await providerWithPush();
    const bob = await acme.enrollDevice("bob");
    const alice = await goOnline(await newDevice());
    await fetch(`${acme.jwksBase}/push-failures`, { method: "PUT", body: "1" });
    await alice.messenger.sendMessage(bob.networkId, encsFor([bob], "secret words 1"));
    await alice.messenger.sendMessage(bob.networkId, encsFor([bob], "secret words 2"));

    // The object's own alarm fires for real: once (503), then again after the backoff (accepted).
    const pushes = await eventually(async () => {
      const list = await (await fetch(`${acme.jwksBase}/pushes`)).json<ReceivedPush[]>();
      return list.length >= 2 ? list : undefined;
    }, 15_000, 100);
    expect(pushes.map((p) => p.status)).toEqual([503, 204]);
    const [first, second] = pushes as [ReceivedPush, ReceivedPush];
    expect(first.headers["parley-event-id"]).toBe(second.headers["parley-event-id"]);
    const event = JSON.parse(second.body) as Record<string, unknown>;
    expect(event).toMatchObject({ type: "pending-messages", networkId: bob.networkId, deviceId: bob.deviceId, pending: 2 });
    expect(second.body).not.toContain("secret words");
    const t = /t=(\d+)/.exec(second.headers["parley-signature"]!)![1]!;
    expect(second.headers["parley-signature"]).toBe(await signPush(SECRET, second.body, Number(t)));

    // Connecting clears the need: a new message while online pushes nothing.
    const online = await goOnline(bob);
    await alice.messenger.sendMessage(bob.networkId, encsFor([bob], "while online"));
    await eventually(async () => online.received.length === 3);
    await runDurableObjectAlarm(userStub(bob.networkId));
    expect(await (await fetch(`${acme.jwksBase}/pushes`)).json<ReceivedPush[]>()).toHaveLength(2);
    online.conn.close();
    alice.conn.close();
  });
});

describe("expiry", () => {
  it("drops a message that outlived the TTL and tells its sender", async () => {
    const alice = await goOnline(await newDevice());
    const bob = await newDevice();
    const { id } = await alice.messenger.sendMessage(bob.networkId, encsFor([bob], "too late"));
    const notice = new Promise<{ type: string; attrs: Readonly<Record<string, string>> }>((resolve) => alice.messenger.onNotification(resolve));
    // Age the row instead of waiting 30 days.
    await runInDurableObject(userStub(bob.networkId), (_i, state) => {
      state.storage.sql.exec("UPDATE inbox SET expires_at = 0");
    });
    await runDurableObjectAlarm(userStub(bob.networkId));
    const n = await notice;
    expect(n.type).toBe("expired");
    expect(n.attrs).toMatchObject({ message: id, from: bob.networkId, device: bob.deviceId });
    expect(await queued(bob.networkId)).toHaveLength(0);
    await eventually(async () => (await queued(alice.device.networkId)).length === 0);
    alice.conn.close();
  });
});
