import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the suite that runs against a real kube-apiserver, etcd, kubectl and kubeseal
// (test/cluster/). Each file starts a control plane of its own; one file at a time keeps two cores responsive.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.cluster.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
