/**
 * A Vitest reporter that writes the run's unhandled errors (a rejection or exception outside any
 * test: a pool client dropped after its test, a timer firing after teardown) to a JSON file.
 * Vitest's JSON report leaves them out, and its own print of them comes long before the last lines
 * of the output; `scripts/print-test-summary.mjs` counts them in the summary line and repeats them
 * just above it, where a CI log's tail shows them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, SerializedError } from 'vitest/node';

const FILE = 'test-output/unhandled-errors.json';

export default class UnhandledErrorsReporter implements Reporter {
  onTestRunEnd(_modules: unknown, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const errors = unhandledErrors.map((e) => ({
      name: e.name ?? 'Error',
      message: e.message,
      stack: e.stack ?? '',
      testPath: typeof e['VITEST_TEST_PATH'] === 'string' ? e['VITEST_TEST_PATH'] : null,
      testName: typeof e['VITEST_TEST_NAME'] === 'string' ? e['VITEST_TEST_NAME'] : null,
      type: typeof e['type'] === 'string' ? e['type'] : null,
    }));
    mkdirSync(dirname(FILE), { recursive: true });
    writeFileSync(FILE, `${JSON.stringify(errors, null, 2)}\n`);
  }
}
