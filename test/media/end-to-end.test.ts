import { describe, expect, it } from "vitest";
import { newDevice } from "../helpers/gateway.ts";
import { mediaClient, sha256Hex, testFile } from "../helpers/media.ts";
import { admin, TestProvider } from "../helpers/providers.ts";
import { secureOnline } from "../helpers/secure.ts";
import { eventually } from "../helpers/users.ts";

describe("media inside end-to-end encrypted messages", () => {
  it("a photo stored at the gateway and a video on the sender's provider host both reach the recipient intact", async () => {
    const provider = await TestProvider.create();
    const host = `media.${provider.id}.test`;
    expect((await admin(`/providers/${provider.id}`, { method: "PATCH", body: JSON.stringify({ mediaHosts: [host] }) })).status).toBe(200);
    const alice = await secureOnline(await provider.enrollDevice("alice"));
    const bob = await secureOnline(await newDevice());
    const [aliceMedia, bobMedia] = [mediaClient(alice), mediaClient(bob)];

    const photo = testFile(700_000, 11);
    const video = testFile(2_500_000, 12);
    const atGateway = await aliceMedia.upload(photo, { kind: "image", mimeType: "image/jpeg", width: 800, height: 600, caption: "the view" });
    const onHost = await aliceMedia.upload(video, { kind: "video", mimeType: "video/mp4", durationMs: 4000 }, async (ciphertext, hash) => {
      const url = `https://${host}/v/${hash}`;
      expect((await fetch(url, { method: "PUT", body: ciphertext })).status).toBe(201);
      return url;
    });
    await alice.secure.send(bob.device.networkId, { type: "media", media: atGateway });
    await alice.secure.send(bob.device.networkId, { type: "media", media: onHost });
    const [first, second] = await eventually(async () => (bob.inbox.length >= 2 ? bob.inbox : undefined));
    // The gateway relayed only ciphertext: the media key never appears on the wire.
    expect(bob.wire).toHaveLength(2);
    for (const { payload } of bob.wire) expect(atob(payload)).not.toContain(String.fromCharCode(...atGateway.mediaKey.subarray(0, 12)));
    if (first?.content.body.type !== "media" || second?.content.body.type !== "media") throw new Error("expected two media messages");
    expect(first.content.body.media).toMatchObject({ caption: "the view", width: 800, url: "" });
    expect(await sha256Hex(await bobMedia.download(first.content.body.media, first.from))).toBe(await sha256Hex(photo));
    expect(await sha256Hex(await bobMedia.download(second.content.body.media, second.from))).toBe(await sha256Hex(video));
    alice.conn.close();
    bob.conn.close();
  });
});
