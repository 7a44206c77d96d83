// Prints the suite's closing line in the plain form "Tests: N passed, N failed, N skipped", and
// just above it any unhandled errors of the run (written by test/support/unhandled-errors-reporter.ts):
// an unhandled error fails the run as Vitest does, and a CI log's tail must say which and where.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
const unhandledFile = process.argv[3];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('Tests: 0 passed, 1 failed (no test report was written)');
  process.exit(1);
}
let unhandled = [];
if (unhandledFile !== undefined && existsSync(unhandledFile)) {
  try {
    unhandled = JSON.parse(readFileSync(unhandledFile, 'utf8'));
  } catch {
    unhandled = [{ name: 'Error', message: `${unhandledFile} could not be read`, stack: '', testPath: null, testName: null }];
  }
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const errors = unhandled.length > 0 ? `, ${unhandled.length} unhandled error${unhandled.length === 1 ? '' : 's'}` : '';
for (const e of unhandled) {
  console.log(`\n${e.type ?? 'Unhandled error'} during ${e.testPath ?? 'the run'}${e.testName ? ` (last test: "${e.testName}")` : ''}:`);
  console.log(e.stack || `${e.name}: ${e.message}`);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped${errors}`);
process.exit(failed > 0 || passed === 0 || unhandled.length > 0 ? 1 : 0);
