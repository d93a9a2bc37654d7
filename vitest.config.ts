import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on sockets, child processes and timers (sshd, the simulator, Prometheus), not on the CPU:
    // four at once on this 2-core machine took the suite from about 8 to under 3 minutes, all passing.
    maxWorkers: 4,
  },
});
