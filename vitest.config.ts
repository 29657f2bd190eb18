import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { randomBytes } from "node:crypto";
import { defineConfig } from "vitest/config";
import { routeOutbound } from "./test/support/outbound.ts";

// Fresh gateway secrets for every test run: tests must never depend on a developer's .dev.vars.
const b64url = (n: number) => randomBytes(n).toString("base64url");

export default defineConfig({
  test: {
    projects: [
      {
        // The gateway and its tests inside workerd: real Worker, Durable Objects, KV, WebSockets,
        // and a real provider backend (test/support/provider-server.ts: JWKS, push, media hosts) reached over HTTP.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                NOISE_STATIC_KEY: b64url(32),
                ROOT_SIGNING_KEY: b64url(32),
                NETWORK_ID_KEY: b64url(32),
                MEDIA_TOKEN_KEY: b64url(32),
                ADMIN_TOKEN: b64url(24),
                DEV_PROVIDER_KEY: b64url(32),
                ALLOW_HTTP_JWKS: "true",
                PROVIDER_SERVER_URL: inject("providerServerUrl"),
                USER_STANZAS_PER_MINUTE: "100",
                LOOKUPS_PER_MINUTE: "10",
                MEDIA_MAX_BYTES: String(6 * 1024 * 1024),
                MEDIA_FETCHES_PER_MINUTE: "20",
                // Small enough for test/groups to reach.
                GROUP_MAX_MEMBERS: "4",
                GROUP_ADDS_PER_MINUTE: "10",
                // test/calls checks the credentials; no TURN server runs for these.
                TURN_URLS: "turn:127.0.0.1:3478?transport=udp turns:turn.parley.test:5349",
                TURN_SECRET: b64url(24),
              },
              // The Internet, as far as the gateway can tell: every https request leaving
              // workerd reaches a virtual host of the provider server (media hosts, and the
              // addresses SSRF tests aim at), which records it. Plain http (JWKS, push) passes.
              outboundService: (request: Request) => routeOutbound(request, inject("providerServerUrl")),
            },
          })),
        ],
              test: {
          name: "workerd",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**"],
          globalSetup: ["test/support/provider-server.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // The SDK in Node against `wrangler dev` over real TCP WebSockets.
        test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
