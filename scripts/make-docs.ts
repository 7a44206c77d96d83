// Regenerates the docs that mirror code: docs/errors.md (error registry), docs/configuration.md (config schema).
import { writeFileSync } from 'node:fs';
import { renderErrorDocs } from '../src/shared/error-docs.js';
import { renderConfigDocs } from '../src/config/config-docs.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorDocs());
writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs());
console.log('wrote docs/errors.md and docs/configuration.md');
