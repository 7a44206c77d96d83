/**
 * The dirbridge commands printed in the README and docs/*.md, checked against the real CLI: each
 * subcommand exists and takes every flag the example gives it (its --help, run offline), so a
 * command an admin copies is not refused for a renamed or misspelled flag.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fencedBlocks } from '../../src/config/markdown-blocks.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const documents = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Example { where: string; command: string[]; flags: string[] }

/** `dirbridge <sub> [<sub>] --flag ...` lines of the shell blocks (continuations joined, comments cut). */
function examples(): Example[] {
  const found: Example[] = [];
  for (const file of documents) {
    for (const block of fencedBlocks(file, readFileSync(join(root, file), 'utf8'))) {
      if (!['sh', 'bash', 'shell', 'console'].includes(block.lang)) continue;
      const lines = block.text.replace(/\\\n\s*/g, ' ').split('\n');
      for (const line of lines) {
        const match = /(?:^|&&\s*|\s)(?:npx\s+)?dirbridge\s+(.*)$/.exec(line.replace(/\s#.*$/, ''));
        if (!match) continue;
        const words = match[1]!.trim().split(/\s+/);
        const command: string[] = [];
        for (const word of words) { if (/^[a-z][a-z-]*$/.test(word) && command.length < 2) command.push(word); else break; }
        const flags = [...match[1]!.matchAll(/(?:^|\s|\[)(--[a-z][a-z-]*)/g)].map((m) => m[1]!);
        found.push({ where: `${file}:${block.line}`, command, flags });
      }
    }
  }
  return found;
}

const run = promisify(execFile);
// The built CLI when there is one (npm test builds first): a tenth of the time of compiling the sources.
const built = join(root, 'dist/cli/main.js');
const cli = existsSync(built) ? [built] : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
const helpOf = async (command: string[]) => (await run(process.execPath, [...cli, ...command, '--help'], { cwd: root, timeout: 120_000 })).stdout;

describe('dirbridge commands in the README and docs', () => {
  const all = examples();

  it('finds the examples', () => {
    expect(all.some((e) => e.command[0] === 'start' && e.flags.includes('--source-url'))).toBe(true);
  });

  it('every printed command exists and takes its flags', async () => {
    const commands = [...new Map(all.map((e) => [e.command.join(' '), e.command])).values()];
    // A subcommand group (oidc-client) lists its commands; a leaf lists its flags.
    const helps = new Map(await Promise.all(commands.map(async (c) => [c.join(' '), await helpOf(c)] as const)));
    const problems: string[] = [];
    for (const example of all) {
      const help = helps.get(example.command.join(' '))!;
      if (!help.startsWith(`Usage: dirbridge ${example.command.join(' ')}`)) problems.push(`${example.where}: dirbridge ${example.command.join(' ')} is not a command`);
      for (const flag of example.flags) if (!new RegExp(`(^|[\\s,])${flag}([\\s,<\\[]|$)`, 'm').test(help)) problems.push(`${example.where}: dirbridge ${example.command.join(' ')} has no ${flag}`);
    }
    expect(problems).toEqual([]);
  }, 240_000);
});
