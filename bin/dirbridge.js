#!/usr/bin/env -S node --max-old-space-size=1536 --max-semi-space-size=32
// Why the heap limit: V8 lets the heap grow to about 4x its live data before collecting when its
// limit is 2 GiB or more (the default on a machine with 8 GiB or more), and to well under 2x below
// that. dirbridge's live data is small (tens of MB for an agent syncing 100,000 users), so 1.5 GiB
// is ample headroom and keeps the agent's RSS near 200 MB instead of 300-400 MB (docs/benchmark.md).
// Why the larger young generation (32 MB semi-spaces, 16 by default): a sync's objects live for
// one page and one HTTP round trip, long enough to survive a 16 MB young generation and be copied
// into the old one; with 32 MB most die young, and a full sync takes about 20% less time for
// about 40 MB more RSS. `npm start` passes the same flags; NODE_OPTIONS overrides them.
// The CLI runs from the compiled dist/; say how to make it rather than failing with a module error.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('dirbridge is not built yet: run `npm ci && npm run build` in the dirbridge folder first (npm start does both).\n');
  process.exit(1);
}
await import(main.href);
