/**
 * Every configuration example of the README and docs/*.md, loaded through the real loader exactly
 * as printed: an example an admin copies must start (a YAML flow list of DNs split at its commas
 * once synced nothing and excluded nothing).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './load.js';
import { fencedBlocks } from './markdown-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const SECTIONS = ['tenant', 'agent', 'alerts'];
/** A YAML block is a config example; a JSON block is one when its top level is a config section. */
const configExamples = documents.flatMap((file) => fencedBlocks(file, readFileSync(join(root, file), 'utf8'))).filter((block) => {
  if (block.lang === 'yaml' || block.lang === 'yml') return true;
  if (block.lang !== 'json') return false;
  try {
    const parsed: unknown = JSON.parse(block.text);
    return typeof parsed === 'object' && parsed !== null && Object.keys(parsed).some((key) => SECTIONS.includes(key));
  } catch {
    return false;
  }
});

const dir = mkdtempSync(join(tmpdir(), 'dirbridge-doc-examples-'));

describe('configuration examples in the README and docs', () => {
  it('finds the examples (the README has at least its LDAP, FreeIPA, AD and alerts blocks)', () => {
    expect(configExamples.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(4);
  });

  it.each(configExamples.map((b) => [`${b.file}:${b.line}`, b] as const))('%s loads as printed', (_name, block) => {
    const path = join(dir, `${block.file.replace(/\W/g, '_')}-${block.line}.${block.lang === 'json' ? 'json' : 'yaml'}`);
    writeFileSync(path, block.text);
    const config = loadConfig({ file: path, env: {} });
    // What an example sets is what the loader gives back: nothing dropped, nothing split.
    const source = config.agent.source;
    if (source?.type === 'ldap') {
      const printed = /baseDns:(.*)/.exec(block.text)?.[1] ?? '';
      for (const dn of source.baseDns) expect(printed.includes(dn) || block.text.includes(`- ${dn}`)).toBe(true);
    }
  });
});
