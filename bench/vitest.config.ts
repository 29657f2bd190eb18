import { defineConfig } from "vitest/config";

// Benchmarks use Vitest only as a TypeScript runner, in Node (see bench/noise.bench.ts).
export default defineConfig({
  test: { environment: "node", include: ["bench/**/*.bench.ts"], reporters: ["default"] },
});
