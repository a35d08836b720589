import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Suites compile their graphs once in beforeAll: on a busy machine that outlasts vitest's 10 s default.
    hookTimeout: 60_000,
  },
});
