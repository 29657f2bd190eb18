import { x25519 } from "@noble/curves/ed25519.js";
import { ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { NackError, type Messenger } from "../../client/index.ts";
import { base64UrlToBytes } from "../../protocol/bytes.ts";
import { serializeEcPublic, serializeKyberPublic } from "../../protocol/signal/keys.ts";
import { xeddsaSign } from "../../protocol/signal/xeddsa.ts";
import { keyUploadElement, readBundle, type KeyUpload, type SignedKey, type WireBundle } from "../../protocol/stanzas/index.ts";
import { GATEWAY_URL, newDevice } from "../helpers/gateway.ts";
import { eventually, goOnline, type Online } from "../helpers/users.ts";

/** Keys a device would generate: identity, signed prekey, Kyber prekeys, one-time prekeys. */
function deviceKeys(options: { preKeys?: number; kyber?: number; firstId?: number } = {}) {
  const identityPrivate = x25519.utils.randomSecretKey();
  const identityKey = serializeEcPublic(x25519.getPublicKey(identityPrivate));
  const sign = (publicKey: Uint8Array, id: number): SignedKey => ({ id, publicKey, signature: xeddsaSign(identityPrivate, publicKey) });
  const kyber = (id: number) => sign(serializeKyberPublic(ml_kem1024.keygen().publicKey), id);
  const first = options.firstId ?? 1;
  const upload: KeyUpload = {
    registrationId: 4242,
    identityKey,
    signedPreKey: sign(serializeEcPublic(x25519.getPublicKey(x25519.utils.randomSecretKey())), 1),
    lastResortKyber: kyber(1000),
    preKeys: Array.from({ length: options.preKeys ?? 20 }, (_, i) => ({ id: first + i, publicKey: serializeEcPublic(x25519.getPublicKey(x25519.utils.randomSecretKey())) })),
    kyberPreKeys: Array.from({ length: options.kyber ?? 2 }, (_, i) => kyber(2000 + first + i)),
  };
  return { identityPrivate, upload, sign, kyber };
}

async function upload(o: Online, u: KeyUpload): Promise<{ prekeys: number; kyber: number }> {
  const result = await o.messenger.iq("set", keyUploadElement(u));
  const count = result.children[0]!;
  return { prekeys: Number(count.attrs.prekeys), kyber: Number(count.attrs.kyber) };
}

async function fetchBundles(m: Messenger, user: string): Promise<WireBundle[]> {
  const { element } = await import("../../protocol/xml/index.ts");
  const result = await m.iq("get", element("bundles", { user }));
  return result.children[0]!.children.map(readBundle);
}

describe("prekey service", () => {
  it("stores an upload with verified signatures and hands out byte-exact libsignal bundles", async () => {
    const bob = await goOnline(await newDevice());
    const keys = deviceKeys({ preKeys: 3, kyber: 1 });
    expect(await upload(bob, keys.upload)).toEqual({ prekeys: 3, kyber: 1 });
    const alice = await goOnline(await newDevice());
    const [bundle] = await fetchBundles(alice.messenger, bob.device.networkId);
    expect(bundle).toMatchObject({ deviceId: bob.device.deviceId, registrationId: 4242 });
    expect(bundle!.identityKey).toEqual(keys.upload.identityKey);
    expect(bundle!.identityKey).toHaveLength(33);
    expect(bundle!.signedPreKey).toEqual(keys.upload.signedPreKey);
    expect(bundle!.preKey).toEqual(keys.upload.preKeys[0]);
    expect(bundle!.kyberPreKey).toEqual(keys.upload.kyberPreKeys[0]);
    expect([bundle!.kyberPreKey.publicKey.length, bundle!.kyberPreKey.publicKey[0]]).toEqual([1569, 0x08]);
    // The published part is readable at the edge without touching Bob's object.
    const published = await (await SELF.fetch(`${GATEWAY_URL}/v1/keys/${bob.device.networkId}/${bob.device.deviceId}`)).json<{ identityKey: string; kyberLastResortPreKey: { id: number } }>();
    expect(base64UrlToBytes(published.identityKey)).toEqual(keys.upload.identityKey);
    expect(published.kyberLastResortPreKey.id).toBe(1000);
    alice.conn.close();
    bob.conn.close();
  });

  it("hands each one-time prekey out exactly once under concurrent fetches, then falls back to the last-resort Kyber key", async () => {
    const bob = await goOnline(await newDevice());
    const keys = deviceKeys({ preKeys: 6, kyber: 2 });
    await upload(bob, keys.upload);
    const fetchers = await Promise.all(Array.from({ length: 4 }, async () => goOnline(await newDevice())));
    const results = await Promise.all(
      fetchers.flatMap((f) => [fetchBundles(f.messenger, bob.device.networkId), fetchBundles(f.messenger, bob.device.networkId)]),
    );
    const bundles = results.map((r) => r[0]!);
    const preKeyIds = bundles.map((b) => b.preKey?.id);
    expect(preKeyIds.filter((id) => id !== undefined).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(preKeyIds.filter((id) => id === undefined)).toHaveLength(2);
    const kyberIds = bundles.map((b) => b.kyberPreKey.id);
    expect(kyberIds.filter((id) => id !== 1000).sort()).toEqual([2001, 2002]);
    expect(kyberIds.filter((id) => id === 1000)).toHaveLength(6);
    for (const f of [...fetchers, bob]) f.conn.close();
  });

  it("refuses an upload whose signature does not verify, and stores nothing", async () => {
    const bob = await goOnline(await newDevice());
    const keys = deviceKeys();
    const forged = { ...keys.upload.signedPreKey!, signature: keys.upload.signedPreKey!.signature.map((b, i) => (i === 5 ? b ^ 1 : b)) };
    const err = await upload(bob, { ...keys.upload, signedPreKey: forged }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NackError);
    expect(err).toMatchObject({ code: "invalid-key" });
    const kyberForged = { ...keys.upload.kyberPreKeys[0]!, signature: keys.upload.lastResortKyber!.signature };
    await expect(upload(bob, { ...keys.upload, kyberPreKeys: [kyberForged] })).rejects.toMatchObject({ code: "invalid-key" });
    const alice = await goOnline(await newDevice());
    expect(await fetchBundles(alice.messenger, bob.device.networkId)).toEqual([]);
    alice.conn.close();
    bob.conn.close();
  });

  it("tells a device when its one-time prekeys run low", async () => {
    const bob = await goOnline(await newDevice());
    await upload(bob, deviceKeys({ preKeys: 10, kyber: 0 }).upload);
    const notices: Record<string, string>[] = [];
    bob.messenger.onNotification((n) => {
      notices.push({ type: n.type, ...n.attrs });
    });
    const alice = await goOnline(await newDevice());
    await fetchBundles(alice.messenger, bob.device.networkId);
    const notice = await eventually(async () => notices.find((n) => n.type === "prekeys-low"));
    expect(notice).toMatchObject({ device: bob.device.deviceId, count: "9" });
    alice.conn.close();
    bob.conn.close();
  });

  it("tells everyone who fetched a device's bundle when its identity key changes", async () => {
    const bobDevice = await newDevice();
    const bob = await goOnline(bobDevice);
    await upload(bob, deviceKeys().upload);
    const alice = await goOnline(await newDevice());
    await fetchBundles(alice.messenger, bobDevice.networkId);
    const changed = new Promise<Record<string, string>>((resolve) => alice.messenger.onNotification((n) => resolve({ type: n.type, ...n.attrs })));
    await upload(bob, deviceKeys().upload); // reinstall: new identity
    expect(await changed).toMatchObject({ type: "identity-changed", from: bobDevice.networkId, device: bobDevice.deviceId });
    alice.conn.close();
    bob.conn.close();
  });

  it("tops up one-time keys without resending the identity, and refuses unsigned first uploads", async () => {
    const bob = await goOnline(await newDevice());
    const keys = deviceKeys({ preKeys: 2, kyber: 0 });
    await expect(upload(bob, { preKeys: keys.upload.preKeys, kyberPreKeys: [] })).rejects.toMatchObject({ code: "malformed" });
    await upload(bob, keys.upload);
    const more = deviceKeys({ preKeys: 3, kyber: 0, firstId: 100 });
    expect(await upload(bob, { preKeys: more.upload.preKeys, kyberPreKeys: [keys.kyber(5000)] })).toEqual({ prekeys: 5, kyber: 1 });
    bob.conn.close();
  });
});
