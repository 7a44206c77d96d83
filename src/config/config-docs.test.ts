import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderConfigDocs } from './config-docs.js';

it('docs/configuration.md mirrors the config schema (run `npx tsx scripts/make-docs.ts` after changing it)', () => {
  const docs = renderConfigDocs();
  expect(docs).toContain('`tenant.port`');
  expect(docs).toContain('`agent.source.bindPasswordFile` (type: ldap)');
  expect(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')).toBe(docs);
});
