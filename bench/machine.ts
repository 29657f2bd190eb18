// What machine, and how busy, a benchmark ran on: every run prints this at its start and
// end, so a reader can tell a loaded run (ratios inflated by other work) from a clean one.
import { cpus, loadavg } from "node:os";

/** Share of the whole machine's CPU time spent busy over `sampleMs`, in percent. */
async function busyPercent(sampleMs: number): Promise<number> {
  const totals = () => cpus().reduce((acc, c) => {
    const { idle, ...rest } = c.times;
    return { idle: acc.idle + idle, busy: acc.busy + Object.values(rest).reduce((a, b) => a + b, 0) };
  }, { idle: 0, busy: 0 });
  const before = totals();
  await new Promise((r) => setTimeout(r, sampleMs));
  const after = totals();
  const busy = after.busy - before.busy;
  const all = busy + after.idle - before.idle;
  return all > 0 ? (100 * busy) / all : 0;
}

/** Prints cores, CPU model, Node version, load averages and a 1 s busy sample; warns when the machine was busy. */
export async function printMachine(when: "start" | "end"): Promise<void> {
  const cores = cpus().length;
  const [l1, l5, l15] = loadavg().map((l) => l.toFixed(2));
  const busy = await busyPercent(1000);
  console.log(
    `[machine at ${when}] ${cores} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, load average ${l1} / ${l5} / ${l15} (1/5/15 min), ${busy.toFixed(0)}% busy over 1 s`,
  );
  if (Number(l1) > cores / 2 || busy > 50) {
    console.log(`[machine at ${when}] WARNING: the machine was busy with other work; timings and ratios from this run are unreliable.`);
  }
}
