import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { randomBytes } from "node:crypto";
import { defineConfig } from "vitest/config";

// Fresh gateway secrets for every test run: tests must never depend on a developer's .dev.vars.
const b64url = (n: number) => randomBytes(n).toString("base64url");

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          NOISE_STATIC_KEY: b64url(32),
          ROOT_SIGNING_KEY: b64url(32),
        },
      },
    }),
  ],
  server: { fs: { allow: [".", "../shared"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
