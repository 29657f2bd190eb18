import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { IRequest } from "itty-router";
import { readJson } from "../../workers/http.ts";
import { GATEWAY_URL } from "../helpers/gateway.ts";

const CHUNK = 16 * 1024;
const TOTAL = 16 * 1024 * 1024;

/** A body of `TOTAL` bytes made on demand, counting what the gateway actually pulled. */
function countedBody(chunk = CHUNK): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= TOTAL) return controller.close();
      pulled += chunk;
      controller.enqueue(new Uint8Array(chunk).fill(0x20)); // JSON whitespace: a valid prefix
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, pulled: () => pulled, cancelled: () => cancelled };
}

describe("/v1/enroll body limit (9 KiB)", () => {
  it("refuses a declared Content-Length over the limit with 413, before reading the body", async () => {
    const { body, pulled } = countedBody();
    const res = await SELF.fetch(`${GATEWAY_URL}/v1/enroll`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(TOTAL) },
      body,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "too-large" });
    expect(pulled()).toBeLessThan(TOTAL / 4);
  });

  it("stops reading a chunked body (no Content-Length) at the limit and refuses it with 413", async () => {
    const { body, pulled } = countedBody();
    const res = await SELF.fetch(`${GATEWAY_URL}/v1/enroll`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: "too-large" });
    // A little read-ahead through the runtime's pipes, nowhere near the whole body.
    expect(pulled()).toBeLessThan(TOTAL / 4);
  });

  it("still parses a chunked body within the limit", async () => {
    const text = new TextEncoder().encode(JSON.stringify({ token: "not.a.jwt" }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(text.slice(0, 5));
        controller.enqueue(text.slice(5));
        controller.close();
      },
    });
    const res = await SELF.fetch(`${GATEWAY_URL}/v1/enroll`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ reason: "malformed" });
  });
});

describe("readJson", () => {
  const limit = 9 * 1024;
  const request = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
    new Request(`${GATEWAY_URL}/x`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body }) as unknown as IRequest;

  it("refuses an oversized Content-Length without pulling the body", async () => {
    const { body, pulled } = countedBody(1024);
    await expect(readJson(request(body, { "Content-Length": String(TOTAL) }), limit)).rejects.toMatchObject({ status: 413, code: "too-large" });
    // The stream's own first pull (to its high-water mark) at most: nothing was read.
    expect(pulled()).toBeLessThanOrEqual(1024);
  });

  it("reads a body without Content-Length only to the limit, then cancels the rest", async () => {
    const { body, pulled, cancelled } = countedBody(1024);
    await expect(readJson(request(body), limit)).rejects.toMatchObject({ status: 413, code: "too-large" });
    expect(pulled()).toBeLessThanOrEqual(limit + 2 * 1024);
    expect(cancelled()).toBe(true);
  });
});
