/** `dirbridge sync-errors list`: the objects in error, as the admin center's Sync errors page lists them. */
import type { Command } from 'commander';
import type { DirbridgeConfig } from '../config/schema.js';
import { AppError } from '../shared/errors.js';
import { withExistingTenant } from './tenant-commands.js';
import { localTime } from './time-format.js';

type Flags = Record<string, unknown>;

export interface SyncErrorsCommandWiring {
  storeOptions(command: Command): Command;
  configFrom(flags: Flags): DirbridgeConfig;
  action(run: (flags: Flags, command: Command) => Promise<void>): (...args: unknown[]) => Promise<void>;
}

/** Long messages are cut so each error stays one line; --json has them whole. */
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function registerSyncErrorsCommands(program: Command, wiring: SyncErrorsCommandWiring): void {
  const { storeOptions, configFrom, action } = wiring;
  const group = program.command('sync-errors').description('objects the last cycles could not synchronize');
  storeOptions(group.command('list'))
    .description('list the sync errors: object, code, message and since when')
    .option('--code <code>', 'only errors with this code, e.g. OBJECT_DUPLICATE_UPN')
    .option('--search <text>', 'filter by DN or message')
    .option('--page <n>', 'page number', (v) => Number(v), 1)
    .option('--page-size <n>', 'errors per page (max 200)', (v) => Number(v), 50)
    .option('--json', 'print JSON (the page shape of GET /api/v1/sync-errors; times in ISO 8601)')
    .action(action(async (flags) => {
      const page = flags.page as number;
      const pageSize = flags.pageSize as number;
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) {
        throw new AppError('REQUEST_INVALID', { message: '--page must be 1 or more and --page-size from 1 to 200.' });
      }
      const result = await withExistingTenant(configFrom(flags), (repo) => repo.listSyncErrors({
        page, pageSize, code: flags.code as string | undefined, search: flags.search as string | undefined,
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      if (result.total === 0) {
        process.stdout.write('No sync errors: every object in scope was synchronized.\n');
        return;
      }
      const header = ['Object', 'Code', 'Message', 'Since'];
      const rows = result.items.map((e) => [cut(e.dn, 60), e.code, cut(e.message, 80), localTime(e.firstSeen)]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
      const first = (result.page - 1) * result.pageSize + 1;
      process.stdout.write([line(header), ...rows.map(line), `${first}-${first + result.items.length - 1} of ${result.total}; what to do for each: dirbridge sync-errors list --json (hint), or Sync errors in the admin center`].join('\n') + '\n');
    }));
}
