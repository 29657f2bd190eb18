// CPU profiles of the gateway inside workerd, through workerd's V8 inspector (Chrome DevTools
// Protocol, Profiler domain). `BENCH_PROFILE=1 npm run bench:runtime` prints, for each
// measured section, where workerd's JavaScript time went, per function and per source file
// of the bundle, so a missed target points at code rather than guesses.
import { readFileSync } from "node:fs";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface CdpResponse {
  readonly id?: number;
  readonly result?: { readonly profile?: CpuProfile };
  readonly error?: { readonly message: string };
}

/** One CDP session to a workerd service's isolate (e.g. `core:user:parley`). */
export class Profiler {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (r: CdpResponse) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as CdpResponse;
      if (message.id === undefined) return; // events
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message);
    });
  }

  static async connect(inspectorUrl: string, service: string): Promise<Profiler> {
    const socket = new WebSocket(`${inspectorUrl.replace(/^http/, "ws").replace(/\/$/, "")}/${service}`);
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("error", () => reject(new Error(`no inspector for ${service} at ${inspectorUrl}`)), { once: true });
    });
    const profiler = new Profiler(socket);
    await profiler.#send("Profiler.enable");
    // 100 µs: fine enough for sub-millisecond handlers, coarse enough not to distort them.
    await profiler.#send("Profiler.setSamplingInterval", { interval: 100 });
    return profiler;
  }

  #send(method: string, params: Record<string, unknown> = {}): Promise<CdpResponse> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Profiles the isolate while `fn` runs. */
  async during<T>(fn: () => Promise<T>): Promise<{ value: T; profile: CpuProfile }> {
    await this.#send("Profiler.start");
    const value = await fn();
    const stopped = await this.#send("Profiler.stop");
    if (!stopped.result?.profile) throw new Error("Profiler.stop returned no profile");
    return { value, profile: stopped.result.profile };
  }

  /** A full (major) garbage collection of the isolate. */
  async collectGarbage(): Promise<void> {
    await this.#send("HeapProfiler.collectGarbage");
  }

  close(): void {
    this.socket.close();
  }
}

/** Maps bundle lines to the source file they came from, using esbuild's `// path` module markers. */
function sourceFiles(bundlePath: string): (line: number) => string {
  const markers: { line: number; file: string }[] = [];
  readFileSync(bundlePath, "utf8")
    .split("\n")
    .forEach((text, i) => {
      const m = /^\/\/ ((?:\.\.\/)*[\w@./-]+\.[cm]?[jt]s)$/.exec(text);
      if (m) markers.push({ line: i, file: m[1]!.replace(/^(\.\.\/)+/, "") });
    });
  return (line) => {
    let lo = 0;
    let hi = markers.length - 1;
    let found = "(bundle)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (markers[mid]!.line <= line) {
        found = markers[mid]!.file;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/**
 * Self time per function and per source file, and inclusive time of the top frames, as
 * markdown. `perUnit` divides times into a cost per handshake or message.
 */
export function describeProfile(title: string, profile: CpuProfile, bundlePath: string, perUnit: number, top = Number(process.env.BENCH_PROFILE_TOP ?? "15")): string {
  const fileOf = sourceFiles(bundlePath);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000; // µs -> ms
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const label = (f: CallFrame) => {
    if (!f.url) return f.functionName || "(native)";
    return `${f.functionName || "(anonymous)"} · ${fileOf(f.lineNumber)}`;
  };
  const idle = new Set(["(idle)", "(program)", "(garbage collector)"]);
  const selfByLabel = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    const l = label(node.callFrame);
    selfByLabel.set(l, (selfByLabel.get(l) ?? 0) + t);
    if (idle.has(node.callFrame.functionName)) continue;
    const file = node.callFrame.url ? fileOf(node.callFrame.lineNumber) : "(native / runtime)";
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + t);
    // Inclusive: credit each distinct frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (!frame.url) continue;
      const fl = label(frame);
      if (seen.has(fl)) continue;
      seen.add(fl);
      inclusive.set(fl, (inclusive.get(fl) ?? 0) + t);
    }
  }
  const busy = total - [...idle].reduce((s, k) => s + (selfByLabel.get(k) ?? 0), 0);
  const fmt = (t: number) => `${(t / perUnit).toFixed(3)} ms | ${((100 * t) / busy).toFixed(1)}%`;
  const rank = (m: Map<string, number>) => [...m].filter(([k]) => !idle.has(k)).sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `\n#### Profile: ${title} (JS thread busy ${(busy / perUnit).toFixed(3)} ms per unit; idle/program/GC ${((total - busy) / perUnit).toFixed(3)} ms)`,
    "| self time by source file | per unit | share |",
    "| --- | ---: | ---: |",
    ...rank(selfByFile).map(([k, t]) => `| ${k} | ${fmt(t)} |`),
    "",
    "| self time by function | per unit | share |",
    "| --- | ---: | ---: |",
    ...rank(selfByLabel).map(([k, t]) => `| ${k} | ${fmt(t)} |`),
    "",
    "| inclusive time by function | per unit | share |",
    "| --- | ---: | ---: |",
    ...rank(inclusive).map(([k, t]) => `| ${k} | ${fmt(t)} |`),
  ].join("\n");
}
