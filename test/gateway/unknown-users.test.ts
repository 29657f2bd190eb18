import { env, listDurableObjectIds, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { element } from "../../protocol/xml/index.ts";
import { GATEWAY_URL, newDevice } from "../helpers/gateway.ts";
import { mediaClient, mediaRequest } from "../helpers/media.ts";
import { ciphertext, goOnline, userStub } from "../helpers/users.ts";

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
const randomNetworkId = () => Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => BASE32[b & 31]).join("");

async function kvKeys(kv: KVNamespace): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ cursor });
    names.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return names.sort();
}

/** Everything a request could leave behind: user objects, and the keys of every KV namespace. */
async function storageSnapshot() {
  const objects = (await listDurableObjectIds(env.USERS)).map((id) => id.toString()).sort();
  return { objects, directory: await kvKeys(env.DIRECTORY), bundles: await kvKeys(env.BUNDLES), providers: await kvKeys(env.PROVIDERS) };
}

const tables = (networkId: string) =>
  runInDurableObject(userStub(networkId), (_instance, state) =>
    state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").toArray().map((r) => r.name),
  );

describe("nobody creates storage without credentials (issue 12 §3)", () => {
  it("enrollment records the user in the index the Worker checks", async () => {
    const device = await newDevice();
    expect(await env.DIRECTORY.get(`user:${device.networkId}`)).toBe("dev");
  });

  it("connects, stanzas, bundle fetches and proxy requests naming never-enrolled users leave storage as it was", async () => {
    const alice = await goOnline(await newDevice());
    const media = mediaClient(alice);
    const token = (await media.token()).value;
    const strangers = Array.from({ length: 12 }, randomNetworkId);
    const before = await storageSnapshot();
    for (const stranger of strangers) {
      const connect = await SELF.fetch(`${GATEWAY_URL}/v1/connect/${stranger}`, { headers: { Upgrade: "websocket" } });
      expect(connect.webSocket).toBeNull();
      expect([connect.status, (await connect.json<{ error: string }>()).error]).toEqual([404, "unknown-user"]);
      await expect(alice.messenger.sendMessage(stranger, [{ device: "x", type: "msg", payload: ciphertext("hello?") }])).rejects.toMatchObject({ code: "unknown-recipient" });
      await expect(alice.messenger.sendReceipt(stranger, "m1", "read")).rejects.toMatchObject({ code: "unknown-recipient" });
      await expect(alice.messenger.iq("get", element("bundles", { user: stranger }))).rejects.toMatchObject({ code: "unknown-recipient" });
      const hash = "ab".repeat(32);
      const proxied = await mediaRequest(`${hash}?${new URLSearchParams({ src: "https://media.example/x", sender: stranger })}`, token);
      expect([proxied.status, (await proxied.json<{ error: string }>()).error]).toEqual([404, "unknown-sender"]);
    }
    expect(await storageSnapshot()).toEqual(before);
    alice.conn.close();
  });

  it("a woken object nobody enrolled answers read-only calls without creating its schema", async () => {
    const stranger = randomNetworkId();
    const stub = userStub(stranger);
    const fetcher = { networkId: randomNetworkId(), provider: "dev" };
    expect(await stub.claimBundles(fetcher)).toMatchObject({ ok: false, code: "unknown-recipient" });
    const notice = { kind: "notice", from: fetcher.networkId, type: "expired", id: "x1", t: Date.now(), attrs: {} } as const;
    expect(await stub.deliver(notice)).toMatchObject({ ok: false, code: "unknown-recipient" });
    const ephemeral = { kind: "ephemeral", from: fetcher.networkId, fromProvider: "dev", stanza: "presence", attrs: { type: "available" } } as const;
    expect(await stub.deliver(ephemeral)).toMatchObject({ ok: false, code: "unknown-recipient" });
    const upgrade = await stub.fetch(`${GATEWAY_URL}/v1/connect/${stranger}`, { headers: { Upgrade: "websocket" } });
    expect(upgrade.status).toBe(404);
    expect(await tables(stranger)).toEqual([]);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
  });
});
