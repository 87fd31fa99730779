import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "core/**/*.test.ts",
      "handlers/**/*.test.ts",
      "infra/**/*.test.ts",
      "scripts/**/*.test.ts",
      "test/**/*.test.ts",
      "eval/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Two cores: llama.cpp runs with one thread per process, so two test files at a time.
    maxWorkers: 2,
  },
});
