import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "policy/**/*.test.ts"],
    environment: "node",
    setupFiles: ["test/support/workerThreads.ts"],
    // Each file gets its own module registry; Pulumi's runtime keeps global state per process.
    pool: "forks",
    isolate: true,
    testTimeout: 30_000,
  },
});
