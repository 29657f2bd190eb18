// The local runtime for bench/runtime.bench.ts: the real gateway and the bench companion
// Worker in one workerd process, started through Miniflare, reached over real TCP.
//
// Why Miniflare rather than `wrangler dev`: wrangler dev puts its own proxy Worker (a second
// workerd process) in front of the user Worker, so every WebSocket frame would cross an extra
// hop that production does not have, inflating the echo baseline and Parley alike and making
// the ratio look better than it is. Miniflare is what wrangler dev runs underneath, same
// workerd binary, without that proxy. The gateway is still built by wrangler itself (`wrangler
// deploy --dry-run`: the bundle that would be deployed) from the real wrangler.toml, whose
// bindings are read with wrangler's own config-to-Miniflare conversion.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Miniflare, supportedCompatibilityDate, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";

const ROOT = resolve(import.meta.dirname, "..");
const GATEWAY_CONFIG = join(ROOT, "wrangler.toml");
const BENCH_CONFIG = join(ROOT, "bench/wrangler.toml");
const WRANGLER_BIN = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Secrets the gateway reads (gateway/secrets.ts); fresh random ones per run, as vitest.config.ts does. */
const KEY_SECRETS = ["NOISE_STATIC_KEY", "ROOT_SIGNING_KEY", "NETWORK_ID_KEY", "MEDIA_TOKEN_KEY", "DEV_PROVIDER_KEY"] as const;

/**
 * Budgets raised so rate limits never shape a measurement: the bench measures cost, not
 * policy. (The provider-wide message budget stays at its default of 60,000 a minute with a
 * full bucket at start; a run sends far fewer.)
 */
const BENCH_VARS: Readonly<Record<string, string>> = {
  USER_STANZAS_PER_MINUTE: "100000000",
  LOOKUPS_PER_MINUTE: "100000000",
  ALLOW_HTTP_JWKS: "true",
};

export interface Bundles {
  readonly gateway: string;
  readonly bench: string;
  readonly dir: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let output = "";
    const child = spawn(command, args, { cwd, env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } });
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${output}`))));
  });
}

/**
 * Bundles both Workers with wrangler (what `wrangler deploy` would upload), once per run.
 * `root`: another checkout of this repository to build instead (to compare a change A/B).
 */
export async function buildBundles(root = ROOT): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-build-"));
  // Sequential: two esbuild runs at once only fight over the machine's two cores.
  for (const [name, config] of [["gateway", "wrangler.toml"], ["bench", "bench/wrangler.toml"]] as const) {
    await run(process.execPath, [WRANGLER_BIN, "deploy", "--dry-run", "--outdir", join(dir, name), "-c", join(root, config)], root);
  }
  return { gateway: entryScript(join(dir, "gateway")), bench: entryScript(join(dir, "bench")), dir };
}

/** wrangler names the bundle after the entry file (index.js, bench-worker.js): the one .js in the folder. */
function entryScript(outdir: string): string {
  const scripts = readdirSync(outdir).filter((f) => f.endsWith(".js"));
  if (scripts.length !== 1) throw new Error(`expected one bundle in ${outdir}, found ${scripts.join(", ") || "none"}`);
  return join(outdir, scripts[0]!);
}

export function removeBundles(bundles: Bundles): void {
  rmSync(bundles.dir, { recursive: true, force: true });
}

/** What a runtime persists: its state folder (KV, Durable Objects, R2) and the secrets that state is bound to. */
export interface RuntimeState {
  readonly dir: string;
  readonly secrets: Readonly<Record<string, string>>;
}

export interface Runtime {
  /** http:// base URL of the gateway (and of /bench/* on the companion Worker). */
  readonly url: string;
  /** The V8 inspector (services `core:user:parley`, `core:user:parley-bench`), when asked for. */
  readonly inspectorUrl: string | null;
  /** The workerd process serving both Workers. */
  readonly pid: number;
  readonly state: RuntimeState;
  /** Stops workerd; removes the state unless `keepState` (to start another runtime on it). */
  stop(options?: { keepState?: boolean }): Promise<void>;
}

export interface RuntimeOptions {
  /** Open the V8 inspector (bench/profile.ts). */
  readonly inspect?: boolean;
  /** Start on an earlier runtime's state (stopped with keepState) instead of an empty one. */
  readonly state?: RuntimeState;
  /** Gateway vars on top of the bench's raised budgets (e.g. group limits for bench/groups.bench.ts). */
  readonly vars?: Readonly<Record<string, string>>;
}

/** Name of the gateway's service in workerd, as the inspector knows it. */
export const GATEWAY_SERVICE = "core:user:parley";

/** Starts the gateway and the bench Worker in one fresh workerd process, with empty state unless given one. */
export async function startRuntime(bundles: Bundles, options: RuntimeOptions = {}): Promise<Runtime> {
  const state = options.state?.dir ?? mkdtempSync(join(tmpdir(), "parley-bench-state-"));
  const gateway = quietly(() => unstable_getMiniflareWorkerOptions(GATEWAY_CONFIG));
  const bench = quietly(() => unstable_getMiniflareWorkerOptions(BENCH_CONFIG));
  const secrets = options.state?.secrets ?? Object.fromEntries([...KEY_SECRETS.map((name) => [name, randomBytes(32).toString("base64url")]), ["ADMIN_TOKEN", randomBytes(24).toString("base64url")]]);
  // Only wrangler.toml's [vars]: the bindings above also carry a developer's .dev.vars, and a
  // benchmark, like the tests, must not depend on a developer's local secrets.
  const configVars = stringVars(unstable_readConfig({ config: GATEWAY_CONFIG }).vars);
  const before = new Set(workerdPids());
  // As `wrangler dev` does: a date past what this workerd build knows runs as its newest date.
  const compatibilityDate = [gateway.workerOptions.compatibilityDate ?? supportedCompatibilityDate, supportedCompatibilityDate].sort()[0];
  const workers: WorkerOptions[] = [
    {
      ...gateway.workerOptions,
      compatibilityDate,
      name: "parley",
      modules: true,
      scriptPath: bundles.gateway,
      // Module names are taken relative to this; the bundles live outside the repository.
      modulesRoot: dirname(bundles.gateway),
      bindings: { ...configVars, ...secrets, ...BENCH_VARS, ...options.vars },
      // The JWKS cron is not part of any measured path.
      cronTriggers: [],
    },
    {
      ...bench.workerOptions,
      compatibilityDate,
      name: "parley-bench",
      modules: true,
      scriptPath: bundles.bench,
      modulesRoot: dirname(bundles.bench),
      routes: ["*/bench/*"],
    },
  ];
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    // On disk like `wrangler dev --persist-to`: SQLite pages live in files, not in workerd's heap.
    kvPersist: join(state, "kv"),
    durableObjectsPersist: join(state, "do"),
    r2Persist: join(state, "r2"),
    ...(options.inspect ? { inspectorPort: 0 } : {}),
    workers,
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const inspectorUrl = options.inspect ? (await mf.getInspectorURL()).toString() : null;
  const pid = workerdPids().find((p) => !before.has(p));
  if (pid === undefined) {
    await mf.dispose();
    throw new Error("could not find the workerd process Miniflare started");
  }
  return {
    url,
    inspectorUrl,
    pid,
    state: { dir: state, secrets },
    stop: async ({ keepState = false } = {}) => {
      await mf.dispose();
      if (!keepState) rmSync(state, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a wrangler API call with wrangler's log level at "warn": it announces the .dev.vars it
 * reads, which the bench then overrides (see configVars), and that line would only mislead.
 */
function quietly<T>(fn: () => T): T {
  const previous = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "warn";
  try {
    return fn();
  } finally {
    if (previous === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = previous;
  }
}

/** String entries of a wrangler `vars` table (its type is not visible through wrangler's declarations). */
function stringVars(vars: unknown): Record<string, string> {
  if (typeof vars !== "object" || vars === null) return {};
  return Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** workerd processes that are children of this process (Miniflare spawns workerd directly). */
function workerdPids(): number[] {
  if (!existsSync("/proc")) return [];
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.comm === "workerd" && stat.ppid === process.pid) pids.push(Number(entry));
  }
  return pids;
}

function procStat(pid: number): { comm: string; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return { comm: text.slice(text.indexOf("(") + 1, close), ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/**
 * CPU time a process has used, in milliseconds, summed over all its threads: each thread's
 * schedstat holds its on-CPU nanoseconds, far finer than /proc/<pid>/stat's 10 ms ticks.
 */
export function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread exited between listing and reading.
    }
  }
  return ns / 1e6;
}

/** Resident set size of a process, in KiB. */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/** CPU time of this (client) process, in milliseconds. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
