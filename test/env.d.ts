// Types `env` from "cloudflare:test" as the gateway's own bindings.
type GatewayEnv = import("../gateway/env.ts").Env;

declare namespace Cloudflare {
  interface Env extends GatewayEnv {}
}
