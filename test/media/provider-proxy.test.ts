import { describe, expect, it } from "vitest";
import { MediaClient, type ProviderUploader } from "../../client/index.ts";
import type { MediaContent } from "../../protocol/content.ts";
import { bytesToHex } from "../../protocol/bytes.ts";
import { newDevice } from "../helpers/gateway.ts";
import { hostHits, mediaClient, mediaRequest, sha256Hex, storedObject, testFile } from "../helpers/media.ts";
import { admin, TestProvider } from "../helpers/providers.ts";
import { goOnline, type Online } from "../helpers/users.ts";

const MiB = 1024 * 1024;

/** A provider with its own media host (a virtual host of the provider server), a sender there and a recipient elsewhere. */
async function setup() {
  const provider = await TestProvider.create();
  const host = `media.${provider.id}.test`;
  const patched = await admin(`/providers/${provider.id}`, { method: "PATCH", body: JSON.stringify({ mediaHosts: [host] }) });
  expect(patched.status).toBe(200);
  const sender = await goOnline(await provider.enrollDevice("sender"));
  const recipient = await goOnline(await newDevice());
  // How this provider's clients store media: a PUT to their own host.
  const uploader: ProviderUploader = async (ciphertext, hash) => {
    const url = `https://${host}/f/${hash}`;
    const res = await fetch(url, { method: "PUT", body: ciphertext });
    if (res.status !== 201) throw new Error(`media host: HTTP ${res.status}`);
    return url;
  };
  return { provider, host, sender, recipient, uploader, senderMedia: mediaClient(sender), recipientMedia: mediaClient(recipient) };
}

function close(...online: Online[]): void {
  for (const o of online) o.conn.close();
}

/** The recipient's raw proxy request for `src`, as if from a message from `sender`. */
async function proxyStatus(client: MediaClient, hash: string, src: string, sender: string): Promise<[number, string]> {
  const res = await mediaRequest(`${hash}?${new URLSearchParams({ src, sender })}`, (await client.token()).value);
  const body = await res.json<{ error: string }>();
  return [res.status, body.error];
}

describe("provider-hosted media through the gateway proxy", () => {
  it("round trips a multi-MB file: provider host, proxy with hash check, R2 cache, then ranges from the cache", async () => {
    const { host, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const file = testFile(3 * MiB + 99, 5);
    const media = await senderMedia.upload(file, { kind: "video", mimeType: "video/mp4", caption: "look" }, uploader);
    expect(media.url).toBe(`https://${host}/f/${bytesToHex(media.encryptedSha256)}`);
    const received = await recipientMedia.download(media, sender.device.networkId);
    expect(await sha256Hex(received)).toBe(await sha256Hex(file));
    const gets = async () => (await hostHits(host)).filter((h) => h.method === "GET").length;
    expect(await gets()).toBe(1);
    expect((await storedObject(bytesToHex(media.encryptedSha256)))?.customMetadata).toEqual({ source: "proxy" });
    // Cached, content-addressed: later downloads and ranges never touch the provider again.
    expect(await recipientMedia.download(media, sender.device.networkId)).toEqual(received);
    expect(await recipientMedia.downloadRange(media, sender.device.networkId, 2 * MiB, 1000)).toEqual(file.subarray(2 * MiB, 2 * MiB + 1000));
    expect(await gets()).toBe(1);
    close(sender, recipient);
  });

  it("answers a first request that is a range by fetching, verifying and caching the whole file", async () => {
    const { host, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const file = testFile(300_000, 6);
    const media = await senderMedia.upload(file, { kind: "audio", mimeType: "audio/ogg" }, uploader);
    expect(await recipientMedia.downloadRange(media, sender.device.networkId, 100_000, 50)).toEqual(file.subarray(100_000, 100_050));
    expect((await hostHits(host)).filter((h) => h.method === "GET")).toHaveLength(1);
    expect(await storedObject(bytesToHex(media.encryptedSha256))).not.toBeNull();
    close(sender, recipient);
  });

  it("refuses a provider file that does not match the hash in the message, and caches nothing", async () => {
    const { host, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const real = await senderMedia.upload(testFile(200_000, 1), { kind: "image", mimeType: "image/jpeg" }, uploader);
    const other = await senderMedia.upload(testFile(200_000, 2), { kind: "image", mimeType: "image/jpeg" }, uploader);
    // The message names `real`, but its URL serves `other`'s bytes.
    const lying: MediaContent = { ...real, url: other.url };
    await expect(recipientMedia.download(lying, sender.device.networkId)).rejects.toMatchObject({ status: 502, code: "hash-mismatch" });
    expect(await storedObject(bytesToHex(real.encryptedSha256))).toBeNull();
    expect((await hostHits(host)).some((h) => h.path === new URL(other.url).pathname && h.method === "GET")).toBe(true);
    close(sender, recipient);
  });

  it("refuses private, loopback and link-local targets without contacting them", async () => {
    const { sender, recipient, recipientMedia } = await setup();
    const hash = "c".repeat(64);
    const targets: [string, string][] = [
      ["https://127.0.0.1/f/x", "127.0.0.1"],
      ["https://2130706433/f/x", "127.0.0.1"],
      ["https://169.254.169.254/latest/meta-data/iam", "169.254.169.254"],
      ["https://[::1]/f/x", "[::1]"],
      ["https://[::ffff:169.254.169.254]/latest", "[::ffff:a9fe:a9fe]"],
      ["https://10.0.0.5/f/x", "10.0.0.5"],
      ["https://localhost/f/x", "localhost"],
    ];
    for (const [src, host] of targets) {
      expect([src, ...(await proxyStatus(recipientMedia, hash, src, sender.device.networkId))]).toEqual([src, 403, "private-address"]);
      expect(await hostHits(host)).toEqual([]);
    }
    close(sender, recipient);
  });

  it("fetches only from the sending provider's allowlist: other hosts, other providers' hosts and plain http are refused", async () => {
    const { provider, sender, recipient, recipientMedia } = await setup();
    const other = await setup();
    const hash = "d".repeat(64);
    const cases: [string, number, string][] = [
      [`https://evil-${provider.id}.test/f/x`, 403, "host-not-allowed"],
      [`https://media.${provider.id}.test.evil.test/f/x`, 403, "host-not-allowed"],
      [`https://${other.host}/f/x`, 403, "host-not-allowed"],
      [`http://media.${provider.id}.test/f/x`, 400, "invalid-source"],
      [`https://media.${provider.id}.test:8443/f/x`, 400, "invalid-source"],
    ];
    for (const [src, status, code] of cases) {
      expect([src, ...(await proxyStatus(recipientMedia, hash, src, sender.device.networkId))]).toEqual([src, status, code]);
    }
    expect(await hostHits(`evil-${provider.id}.test`)).toEqual([]);
    expect((await hostHits(other.host)).filter((h) => h.method === "GET")).toEqual([]);
    close(sender, recipient, other.sender, other.recipient);
  });

  it("follows redirects only within the allowlist", async () => {
    const { host, provider, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const media = await senderMedia.upload(testFile(10_000, 4), { kind: "image", mimeType: "image/png" }, uploader);
    const hash = bytesToHex(media.encryptedSha256);
    const redirect = (to: string) => `https://${host}/redirect?${new URLSearchParams({ to })}`;
    for (const [to, target] of [
      ["https://169.254.169.254/latest/meta-data/", "169.254.169.254"],
      ["https://127.0.0.1:8443/admin", "127.0.0.1:8443"],
      [`https://elsewhere-${provider.id}.test/f/x`, `elsewhere-${provider.id}.test`],
      [`http://${host}/f/${hash}`, `${host}:80`],
    ] as const) {
      expect([to, ...(await proxyStatus(recipientMedia, hash, redirect(to), sender.device.networkId))]).toEqual([to, 403, "redirect-not-allowed"]);
      expect(await hostHits(target)).toEqual([]);
    }
    expect(await storedObject(hash)).toBeNull();
    // A redirect that stays on the allowlist is followed (relative Location included).
    const viaRedirect = await recipientMedia.download({ ...media, url: redirect(`/f/${hash}`) }, sender.device.networkId);
    expect(viaRedirect).toEqual(testFile(10_000, 4));
    close(sender, recipient);
  });

  it("refuses oversize, unsized and failing upstream answers with clear errors", async () => {
    const { host, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const media = await senderMedia.upload(testFile(5000, 8), { kind: "document", mimeType: "text/plain" }, uploader);
    const hash = bytesToHex(media.encryptedSha256);
    const nid = sender.device.networkId;
    expect(await proxyStatus(recipientMedia, hash, `https://${host}/huge`, nid)).toEqual([502, "too-large"]);
    expect(await proxyStatus(recipientMedia, hash, `https://${host}/no-length/f/${hash}`, nid)).toEqual([502, "upstream-length-unknown"]);
    expect(await proxyStatus(recipientMedia, hash, `https://${host}/status/404`, nid)).toEqual([502, "upstream-error"]);
    expect(await storedObject(hash)).toBeNull();
    // The SDK refuses, before uploading anywhere, a file the proxy could never fetch.
    let uploads = 0;
    const counting: ProviderUploader = (c, h) => (uploads++, uploader(c, h));
    await expect(senderMedia.upload(testFile(6 * MiB, 3), { kind: "video", mimeType: "video/mp4" }, counting)).rejects.toMatchObject({ status: 413, code: "too-large" });
    expect(uploads).toBe(0);
    close(sender, recipient);
  });

  it("needs a real sender from an active provider", async () => {
    const { provider, host, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const media = await senderMedia.upload(testFile(5000, 9), { kind: "document", mimeType: "text/plain" }, uploader);
    const hash = bytesToHex(media.encryptedSha256);
    const token = (await recipientMedia.token()).value;
    const missingSender = await mediaRequest(`${hash}?${new URLSearchParams({ src: media.url })}`, token);
    expect([missingSender.status, (await missingSender.json<{ error: string }>()).error]).toEqual([400, "invalid-sender"]);
    const stranger = (await newDevice()).networkId.replace(/^./, (c) => (c === "a" ? "b" : "a"));
    expect(await proxyStatus(recipientMedia, hash, media.url, stranger)).toEqual([404, "unknown-sender"]);
    // A dev-provider user cannot borrow this provider's allowlist.
    expect(await proxyStatus(recipientMedia, hash, media.url, recipient.device.networkId)).toEqual([403, "host-not-allowed"]);
    expect((await admin(`/providers/${provider.id}/suspend`, { method: "POST" })).status).toBe(200);
    expect(await proxyStatus(recipientMedia, hash, media.url, sender.device.networkId)).toEqual([403, "provider-suspended"]);
    expect((await hostHits(host)).filter((h) => h.method === "GET")).toEqual([]);
    close(sender, recipient);
  });

  it("limits each user's fetches from provider hosts, while cached files stay free", async () => {
    const { host, sender, recipient, uploader, senderMedia, recipientMedia } = await setup();
    const media = await senderMedia.upload(testFile(2000, 10), { kind: "image", mimeType: "image/png" }, uploader);
    expect(await recipientMedia.download(media, sender.device.networkId)).toEqual(testFile(2000, 10));
    const token = (await recipientMedia.token()).value;
    const miss = () => mediaRequest(`${"e".repeat(64)}?${new URLSearchParams({ src: `https://${host}/status/404`, sender: sender.device.networkId })}`, token);
    // MEDIA_FETCHES_PER_MINUTE is 20 in the tests; one went to the download above.
    for (let i = 0; i < 19; i++) expect((await miss()).status).toBe(502);
    const limited = await miss();
    expect([limited.status, (await limited.json<{ error: string }>()).error]).toEqual([429, "rate-limited"]);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await hostHits(host)).filter((h) => h.path === "/status/404")).toHaveLength(19);
    // Served from the cache: no fetch, no budget.
    expect(await recipientMedia.download(media, sender.device.networkId)).toEqual(testFile(2000, 10));
    close(sender, recipient);
  });
});
