import { z } from 'zod';
import { configSchema } from './schema.js';

/** docs/configuration.md, generated from the schema's descriptions and defaults; a test keeps it in step. */
export function renderConfigDocs(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[] = [];
  walk(json, '', rows);
  return [
    '# Configuration',
    '',
    'dirbridge reads, from lowest to highest precedence: built-in defaults, a config file (YAML or JSON, given with',
    '`--config FILE` or `DIRBRIDGE_CONFIG`), environment variables, and command-line flags.',
    'Errors name the bad key; an unknown (misspelled) key is an error that names the key it was probably meant to be, and DNs are checked as DNs.',
    'Generated from `src/config/schema.ts` by `npx tsx scripts/make-docs.ts`; do not edit by hand.',
    '',
    '| Key | Type | Default | Description |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Environment variables',
    '',
    '| Variable | Key |',
    '|---|---|',
    '| `DIRBRIDGE_CONFIG` | the config file |',
    '| `DIRBRIDGE_PORT` | `tenant.port` |',
    '| `DIRBRIDGE_HOST` | `tenant.host` |',
    '| `DIRBRIDGE_DATA_DIR` | `tenant.dataDir` |',
    '| `DATABASE_URL` | `tenant.databaseUrl` |',
    '| `DIRBRIDGE_INITIAL_ADMIN_PASSWORD` | `tenant.initialAdminPassword` |',
    '| `DIRBRIDGE_TENANT_URL` | `agent.tenantUrl` |',
    '| `DIRBRIDGE_REGISTRATION_TOKEN` | `agent.registrationToken` |',
    '| `DIRBRIDGE_LOG_LEVEL` | log level (`info`; `debug` for more) |',
    '',
  ].join('\n');
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
}

function walk(schema: JsonSchema, path: string, rows: string[]): void {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants && variants.some((v) => v.properties)) {
    for (const variant of variants) {
      const kind = variant.properties?.type?.const;
      walk(variant, kind ? `${path} (type: ${String(kind)})` : path, rows);
    }
    return;
  }
  if (schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) {
      const childPath = path ? `${path.replace(/ \(type: .*\)$/, '')}.${key}` : key;
      const suffix = / \(type: .*\)$/.exec(path)?.[0] ?? '';
      if (child.properties || (child.oneOf ?? child.anyOf)?.some((v) => v.properties)) {
        walk(child, childPath + suffix, rows);
      } else {
        rows.push(`| \`${childPath}\`${suffix} | ${typeOf(child)} | ${child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``} | ${child.description ?? ''} |`);
      }
    }
  }
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.type === 'array') return `${typeOf(schema.items ?? {})}[]`;
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : schema.type ?? 'any';
}
