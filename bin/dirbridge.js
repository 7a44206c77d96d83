#!/usr/bin/env node
// The CLI runs from the compiled dist/; say how to make it rather than failing with a module error.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('dirbridge is not built yet: run `npm ci && npm run build` in the dirbridge folder first (npm start does both).\n');
  process.exit(1);
}
await import(main.href);
