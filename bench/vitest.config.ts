import { defineConfig } from "vitest/config";

// Benchmarks use Vitest only as a TypeScript runner, in Node: bench/noise.bench.ts times the
// Noise layer in Node; bench/runtime.bench.ts drives the gateway in workerd (bench/runtime.ts).
export default defineConfig({
  test: {
    environment: "node",
    include: ["bench/**/*.bench.ts"],
    reporters: ["default"],
    // One file at a time: two benchmarks sharing two cores would measure each other.
    fileParallelism: false,
  },
});
