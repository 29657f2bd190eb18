// Types `env` from "cloudflare:test" as the gateway's own bindings plus test-only ones.
type GatewayEnv = import("../gateway/env.ts").Env;

declare namespace Cloudflare {
  interface Env extends GatewayEnv {
    /** Base URL of the test provider backend (test/support/provider-server.ts). */
    readonly PROVIDER_SERVER_URL: string;
  }
}
