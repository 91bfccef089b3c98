import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-control-plane suite runs on its own: `npm run test:cluster` (vitest.cluster.config.mts).
    exclude: ['test/cluster/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Synth and script tests spawn processes; two cores, so keep parallelism modest and timeouts generous.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
