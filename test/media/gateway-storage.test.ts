import { describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { MediaClient } from "../../client/index.ts";
import { bytesToHex } from "../../protocol/bytes.ts";
import { GATEWAY_URL, newDevice } from "../helpers/gateway.ts";
import { mediaClient, mediaRequest, sha256Hex, storedObject, testFile } from "../helpers/media.ts";
import { goOnline } from "../helpers/users.ts";

const MiB = 1024 * 1024;

async function pair() {
  const [alice, bob] = await Promise.all([goOnline(await newDevice()), goOnline(await newDevice())]);
  return { alice, bob, aliceMedia: mediaClient(alice), bobMedia: mediaClient(bob) };
}

describe("media stored at the gateway (R2), authorized by media tokens from the socket", () => {
  it("round trips a multi-MB file: encrypt, upload, download by hash, verify, decrypt", async () => {
    const { alice, bob, aliceMedia, bobMedia } = await pair();
    const file = testFile(4 * MiB + 321);
    const media = await aliceMedia.upload(file, { kind: "document", mimeType: "application/pdf", fileName: "report.pdf" });
    expect(media.url).toBe("");
    const hash = bytesToHex(media.encryptedSha256);
    const stored = await storedObject(hash);
    expect(stored?.size).toBe(file.length + 65 * 16); // 65 sealed chunks of 64 KiB
    expect(bytesToHex(new Uint8Array(stored!.checksums.sha256!))).toBe(hash);
    const received = await bobMedia.download(media, alice.device.networkId);
    expect(received.length).toBe(file.length);
    expect(await sha256Hex(received)).toBe(await sha256Hex(file));
    alice.conn.close();
    bob.conn.close();
  });

  it("serves byte ranges, and the SDK decrypts a span from just its chunks", async () => {
    const { alice, aliceMedia } = await pair();
    const file = testFile(MiB + 7, 3);
    const media = await aliceMedia.upload(file, { kind: "video", mimeType: "video/mp4" });
    const hash = bytesToHex(media.encryptedSha256);
    const size = file.length + 17 * 16;
    const token = (await aliceMedia.token()).value;
    const cases: [string, number, string][] = [
      ["bytes=0-99", 100, `bytes 0-99/${size}`],
      ["bytes=1000-", size - 1000, `bytes 1000-${size - 1}/${size}`],
      ["bytes=-500", 500, `bytes ${size - 500}-${size - 1}/${size}`],
      [`bytes=${size - 10}-${size + 1000}`, 10, `bytes ${size - 10}-${size - 1}/${size}`],
    ];
    const whole = new Uint8Array(await (await mediaRequest(hash, token)).arrayBuffer());
    for (const [range, length, contentRange] of cases) {
      const res = await mediaRequest(hash, token, { headers: { Range: range } });
      expect([range, res.status, res.headers.get("Content-Range")]).toEqual([range, 206, contentRange]);
      const body = new Uint8Array(await res.arrayBuffer());
      expect(body.length).toBe(length);
      const start = Number(contentRange.split(/[ -]/)[1]);
      expect(body).toEqual(whole.subarray(start, start + length));
    }
    const beyond = await mediaRequest(hash, token, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("Content-Range")).toBe(`bytes */${size}`);
    // Several ranges are answered with the whole file, which RFC 9110 allows.
    expect((await mediaRequest(hash, token, { headers: { Range: "bytes=0-1,5-6" } })).status).toBe(200);
    const head = await mediaRequest(hash, token, { method: "HEAD" });
    expect([head.status, head.headers.get("Content-Length"), head.headers.get("ETag"), head.headers.get("Accept-Ranges")]).toEqual([200, String(size), `"${hash}"`, "bytes"]);

    const span = await aliceMedia.downloadRange(media, alice.device.networkId, 300_000, 70_000);
    expect(span).toEqual(file.subarray(300_000, 370_000));
    alice.conn.close();
  });

  it("refuses an upload whose bytes do not hash to its name, and stores nothing", async () => {
    const { alice, aliceMedia } = await pair();
    const token = (await aliceMedia.token()).value;
    const body = testFile(200_000, 9);
    const claimed = await sha256Hex(testFile(200_000, 10));
    const res = await mediaRequest(claimed, token, { method: "PUT", body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "hash-mismatch" });
    expect(await storedObject(claimed)).toBeNull();
    // The honest name for the same bytes is accepted; uploading it again stores nothing new.
    const honest = await sha256Hex(body);
    expect((await mediaRequest(honest, token, { method: "PUT", body })).status).toBe(201);
    const again = await mediaRequest(honest, token, { method: "PUT", body });
    expect([again.status, await again.json()]).toEqual([200, { sha256: honest, size: body.length, created: false }]);
    alice.conn.close();
  });

  it("refuses uploads over the size limit before reading them, and ones without a length", async () => {
    const { alice, aliceMedia } = await pair();
    const { value: token, maxBytes } = await aliceMedia.token();
    expect(maxBytes).toBe(6 * MiB);
    const big = testFile(maxBytes + 1);
    const res = await mediaRequest(await sha256Hex(big), token, { method: "PUT", body: big });
    expect([res.status, (await res.json<{ error: string }>()).error]).toEqual([413, "too-large"]);
    // The SDK checks the limit it was told before uploading anything.
    await expect(aliceMedia.upload(big, { kind: "document", mimeType: "application/octet-stream" })).rejects.toMatchObject({ code: "too-large" });
    const streamed = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.close();
      },
    });
    const noLength = await mediaRequest("a".repeat(64), token, { method: "PUT", body: streamed });
    expect([noLength.status, (await noLength.json<{ error: string }>()).error]).toEqual([411, "length-required"]);
    alice.conn.close();
  });

  it("requires a valid, unexpired media token and a well-formed hash", async () => {
    const { alice, aliceMedia } = await pair();
    const token = (await aliceMedia.token()).value;
    const hash = "b".repeat(64);
    const [claims, mac] = [token.slice(0, token.lastIndexOf(".")), token.slice(token.lastIndexOf(".") + 1)];
    const forged = `${claims}.${mac.startsWith("A") ? "B" : "A"}${mac.slice(1)}`;
    const payload = JSON.parse(atob(claims.slice(4).replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const extended = `pm1.${btoa(JSON.stringify({ ...payload, exp: Date.now() + 86_400_000 })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.${mac}`;
    for (const [label, t] of [["none", null], ["garbage", "nonsense"], ["forged MAC", forged], ["extended expiry", extended]] as const) {
      const res = await mediaRequest(hash, t);
      expect([label, res.status, (await res.json<{ error: string }>()).error]).toEqual([label, 401, "unauthorized"]);
    }
    for (const bad of ["B".repeat(64), "b".repeat(63), "..%2f..%2fetc"]) {
      expect((await mediaRequest(bad, token)).status).toBe(400);
    }
    const missing = await mediaRequest(hash, token);
    expect([missing.status, (await missing.json<{ error: string }>()).error]).toEqual([404, "not-found"]);
    alice.conn.close();
  });

  it("the recipient's SDK checks what the gateway serves: swapped files and wrong keys are refused", async () => {
    const { alice, bob, aliceMedia } = await pair();
    const first = await aliceMedia.upload(testFile(1000, 1), { kind: "image", mimeType: "image/png" });
    const second = await aliceMedia.upload(testFile(1000, 2), { kind: "image", mimeType: "image/png" });
    const [firstHash, secondHash] = [bytesToHex(first.encryptedSha256), bytesToHex(second.encryptedSha256)];
    // A dishonest gateway answering requests for the first file with the second one.
    const swapping = new MediaClient({
      gatewayUrl: GATEWAY_URL,
      session: bob.messenger,
      fetch: (input, init) => SELF.fetch(String(input).replace(firstHash, secondHash), init),
    });
    await expect(swapping.download(first, alice.device.networkId)).rejects.toThrow(/encrypted file does not match its hash/);
    // A message naming the second file with the first file's key: the hash checks out, the key does not.
    await expect(mediaClient(bob).download({ ...first, encryptedSha256: second.encryptedSha256 }, alice.device.networkId)).rejects.toThrow(/does not authenticate/);
    await expect(mediaClient(bob).download({ ...first, encryptedSha256: new Uint8Array(32).fill(7) }, alice.device.networkId)).rejects.toMatchObject({ status: 404, code: "not-found" });
    alice.conn.close();
    bob.conn.close();
  });

  it("answers browsers on other origins (CORS), exposing the range headers; the admin API stays closed to them", async () => {
    const { alice, aliceMedia } = await pair();
    const media = await aliceMedia.upload(testFile(5000, 21), { kind: "image", mimeType: "image/png" });
    const hash = bytesToHex(media.encryptedSha256);
    const origin = { Origin: "https://web.provider.example" };
    const pre = await mediaRequest(hash, null, { method: "OPTIONS", headers: { ...origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization, range" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(pre.headers.get("Access-Control-Allow-Headers")).toContain("Range");
    const res = await mediaRequest(hash, (await aliceMedia.token()).value, { headers: { ...origin, Range: "bytes=0-9" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(res.headers.get("Access-Control-Expose-Headers")).toContain("Content-Range");
    const refused = await mediaRequest(hash, null, { headers: origin });
    expect([refused.status, refused.headers.get("Access-Control-Allow-Origin")]).toEqual([401, "*"]);
    const adminPre = await SELF.fetch(`${GATEWAY_URL}/v1/admin/providers`, { method: "OPTIONS", headers: { ...origin, "Access-Control-Request-Method": "GET" } });
    expect(adminPre.headers.get("Access-Control-Allow-Origin")).toBeNull();
    alice.conn.close();
  });
});
