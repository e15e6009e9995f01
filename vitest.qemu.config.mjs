import { defineConfig } from 'vitest/config';

// Emulated CPUs are slow: one file, generous timeouts.
export default defineConfig({
  test: {
    include: ['test/qemu/**/*.test.ts'],
    testTimeout: 900_000,
    fileParallelism: false,
  },
});
