import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Three tiers: unit tests next to the code, integration tests against real servers
// (slapd, PostgreSQL, SQLite files), end-to-end tests in a real Chromium.
export default defineConfig({
  test: {
    // Test files side by side, one per core and at least two: an integration or e2e file spends most
    // of its time waiting for a server (slapd, Samba, PostgreSQL, the all-in-one, Chromium). Vitest's
    // default (cores - 1) left a 2-core machine one worker, and the suite ran file after file. All
    // three projects share the pool: a project of its own worker count (the e2e project had
    // fileParallelism: false) runs only after the others have finished, never beside them.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000 } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 180_000 } },
    ],
  },
});
