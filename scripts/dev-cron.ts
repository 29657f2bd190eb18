// Cron triggers for the local gateway. `wrangler dev` never fires a Worker's crons by itself,
// so JWKS polling would not run in development; this fires them on wrangler.toml's schedule
// through wrangler's local trigger endpoint (/cdn-cgi/local/scheduled).
import { readFileSync } from "node:fs";

/** The `crons = [...]` of wrangler.toml. */
export function configuredCrons(path = "wrangler.toml"): string[] {
  const match = /^\s*crons\s*=\s*\[([^\]]*)\]/m.exec(readFileSync(path, "utf8"));
  return match?.[1] ? [...match[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : [];
}

// One cron field ("*", "*/5", "1-10/2", "0,30") as the set of values it admits.
function field(spec: string, min: number, max: number): Set<number> {
  const values = new Set<number>();
  for (const part of spec.split(",")) {
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [loText, hiText] = range === "*" ? [String(min), String(max)] : range.split("-");
    const lo = Number(loText);
    // "5/10" means from 5 to the end in steps of 10; a bare "5" is just 5.
    const hi = hiText !== undefined ? Number(hiText) : stepText !== undefined ? max : lo;
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < min || hi > max) throw new Error(`unsupported cron field "${spec}"`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

/** The first minute after `fromMs` (UTC, as Cloudflare runs crons) that `expression` matches. */
export function nextRun(expression: string, fromMs: number): number {
  const [minute, hour, day, month, weekday] = expression.trim().split(/\s+/);
  if (!minute || !hour || !day || !month || weekday === undefined) throw new Error(`unsupported cron "${expression}": five fields expected`);
  const m = field(minute, 0, 59), h = field(hour, 0, 23), d = field(day, 1, 31), mo = field(month, 1, 12), w = field(weekday, 0, 6);
  const t = new Date(Math.floor(fromMs / 60_000) * 60_000 + 60_000);
  for (let i = 0; i < 366 * 24 * 60; i++, t.setTime(t.getTime() + 60_000)) {
    if (m.has(t.getUTCMinutes()) && h.has(t.getUTCHours()) && d.has(t.getUTCDate()) && mo.has(t.getUTCMonth() + 1) && w.has(t.getUTCDay())) return t.getTime();
  }
  throw new Error(`cron "${expression}" never fires`);
}

/**
 * Fires each cron at `url` when it is due, and once at start (so a fresh gateway polls at
 * once). `everySeconds` replaces the schedule with a fixed period (PARLEY_CRON_EVERY_SECONDS:
 * tests, or a developer who wants rotations picked up sooner). Returns a stop function.
 */
export interface CronOptions {
  readonly crons?: readonly string[];
  readonly everySeconds?: number;
  readonly log?: (line: string) => void;
}

export interface Crons {
  /** Fires every cron now (the gateway just became reachable). */
  fireAll(): Promise<void>;
  stop(): void;
}

export function startCrons(url: string, { crons = configuredCrons(), everySeconds, log = console.warn }: CronOptions = {}): Crons {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let stopped = false;
  const fire = async (cron: string): Promise<void> => {
    try {
      const res = await fetch(`${url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}`);
      await res.body?.cancel();
      if (!res.ok) log(`cron "${cron}": the scheduled handler failed (HTTP ${res.status}); see the gateway's log`);
    } catch {
      // The gateway is starting or stopping; the next run tries again.
    }
  };
  const schedule = (cron: string): void => {
    if (stopped) return;
    const delay = everySeconds ? everySeconds * 1000 : nextRun(cron, Date.now()) - Date.now();
    const timer = setTimeout(() => {
      timers.delete(timer);
      void fire(cron).finally(() => schedule(cron));
    }, delay);
    timer.unref?.();
    timers.add(timer);
  };
  for (const cron of crons) schedule(cron);
  return {
    fireAll: async () => {
      await Promise.all(crons.map(fire));
    },
    stop: () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
