// The gateway on this machine, as `npm start` runs it and as the Node tests run it: `wrangler
// dev` kept offline and quiet, with the Worker's crons fired on their schedule.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { startCrons, type Crons } from "./dev-cron.ts";

export interface LocalGatewayOptions {
  readonly host: string;
  readonly port: number;
  /** Where local Durable Objects, KV and R2 persist. */
  readonly stateDir: string;
  /** Extra `--var NAME:value` bindings (tests pass fresh secrets this way instead of .dev.vars). */
  readonly vars?: Readonly<Record<string, string>>;
  /** Fire crons every this many seconds instead of on wrangler.toml's schedule. */
  readonly cronEverySeconds?: number;
  readonly extraArgs?: readonly string[];
  readonly stdio?: StdioOptions;
  /** A process group of its own, so a test can stop wrangler and every workerd it started. */
  readonly detached?: boolean;
}

export interface LocalGateway {
  readonly url: string;
  readonly process: ChildProcess;
  /** Resolves once the gateway answers, after firing the crons once (a fresh gateway polls JWKS at once). */
  readonly ready: Promise<void>;
  stop(signal?: NodeJS.Signals): void;
}

/** Environment that keeps wrangler and Miniflare off the network. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = {
  WRANGLER_SEND_METRICS: "false",
  // Miniflare otherwise downloads a Request.cf sample from Cloudflare at every start, and
  // prints a stack trace when it cannot; the built-in placeholder is all local runs need.
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/**
 * wrangler dev's local trace collector and resource explorer, off unless the caller's
 * environment turns them on. The collector is a streaming tail on every invocation (each
 * WebSocket frame, each Durable Object call): measured with bench:peers, it tripled the
 * gateway's CPU per message (0.42 ms against 0.16 ms without it).
 */
const LOCAL_TOOLING_ENV: Readonly<Record<string, string>> = {
  X_LOCAL_OBSERVABILITY: "false",
  X_LOCAL_EXPLORER: "false",
};

export function startLocalGateway(options: LocalGatewayOptions): LocalGateway {
  const url = `http://${options.host}:${options.port}`;
  const args = [
    "dev", "--ip", options.host, "--port", String(options.port), "--persist-to", options.stateDir,
    // Keeps wrangler from printing that crons are not triggered locally: startCrons triggers them.
    "--test-scheduled",
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn("wrangler", args, {
    stdio: options.stdio ?? "inherit",
    detached: options.detached ?? false,
    env: { ...LOCAL_TOOLING_ENV, ...process.env, ...OFFLINE_ENV, PATH: `node_modules/.bin:${process.env.PATH ?? ""}` },
  });
  const crons: Crons = startCrons(url, options.cronEverySeconds ? { everySeconds: options.cronEverySeconds } : {});
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
      try {
        const res = await fetch(`${url}/health`);
        await res.body?.cancel();
        if (res.ok) break;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await crons.fireAll();
  })();
  ready.catch(() => undefined);
  child.on("exit", () => crons.stop());
  return {
    url,
    process: child,
    ready,
    stop: (signal = "SIGTERM") => {
      crons.stop();
      try {
        if (options.detached && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // Already exited.
      }
    },
  };
}
