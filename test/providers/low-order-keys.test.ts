import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { bytesToBase64Url, hexToBytes } from "../../protocol/bytes.ts";
import { enrollWith, GATEWAY_URL } from "../helpers/gateway.ts";
import { TestProvider } from "../helpers/providers.ts";

// The all-zero key (order 4) and a point of order 8, with the top bit set as X25519 ignores it.
const LOW_ORDER = [
  new Uint8Array(32),
  hexToBytes("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880"),
  hexToBytes("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // p + 1, i.e. 1
];

describe("low-order device keys", () => {
  it("are refused at enrollment, and nothing is enrolled", async () => {
    const p = await TestProvider.create();
    for (const key of LOW_ORDER) {
      const res = await enrollWith(await p.token("zed", key));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: "invalid-token", reason: "malformed" });
    }
    // zed's first usable key is their first device.
    const ok = await enrollWith(await p.token("zed", crypto.getRandomValues(new Uint8Array(32))));
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ created: true });
  });

  it("get no token from the development provider", async () => {
    for (const key of LOW_ORDER) {
      const res = await SELF.fetch(`${GATEWAY_URL}/dev/provider/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sub: "zed", deviceKey: bytesToBase64Url(key) }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: "invalid-field", message: expect.stringMatching(/^deviceKey/) });
    }
  });
});
