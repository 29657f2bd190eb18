/** Minimal, dependency-free timing: warm up, then run for a fixed wall-clock budget. */
export interface Measurement {
  readonly name: string;
  readonly meanMs: number;
  readonly opsPerSec: number;
  readonly samples: number;
}

export async function measure(name: string, fn: () => Promise<unknown>, budgetMs = 1500): Promise<Measurement> {
  for (let i = 0; i < 20; i++) await fn();
  let samples = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    await fn();
    samples++;
    elapsed = performance.now() - start;
  }
  const meanMs = elapsed / samples;
  return { name, meanMs, opsPerSec: 1000 / meanMs, samples };
}

/** Prints a markdown table with each row's cost as a multiple of the first (the baseline). */
export function report(title: string, rows: readonly Measurement[]): void {
  const base = rows[0]!;
  const lines = [
    `\n### ${title}`,
    "| case | mean | ops/s | × baseline |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.name} | ${r.meanMs.toFixed(3)} ms | ${r.opsPerSec.toFixed(0)} | ${(r.meanMs / base.meanMs).toFixed(2)} |`),
  ];
  console.log(lines.join("\n"));
}

/** Prints a markdown table: the first column left-aligned, the others right-aligned (numbers). */
export function table(title: string, header: readonly string[], rows: readonly (readonly string[])[], notes: readonly string[] = []): void {
  const lines = [
    `\n### ${title}`,
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    ...(notes.length > 0 ? ["", ...notes] : []),
  ];
  console.log(lines.join("\n"));
}

/** Milliseconds for a table cell, with precision that suits the magnitude. */
export function ms(value: number): string {
  return `${value < 1 ? value.toFixed(3) : value < 100 ? value.toFixed(2) : value.toFixed(0)} ms`;
}

/** A ratio for a table cell, e.g. "1.84×". */
export function times(value: number): string {
  return `${value.toFixed(2)}×`;
}
