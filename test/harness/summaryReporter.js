// Prints the run's totals as one plain line ("N passed, N failed[, N skipped]") as the very last
// line of the output (after jest's own summary), so CI logs end with a line any tool can read.
// "failed" counts failed tests and suites that failed to load.
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails to load (a syntax error, a missing module, a throw at import) runs no test:
    // it counts as one failure, or "0 passed, 0 failed" would read as a clean run.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
    process.once('exit', () => fs.writeSync(1, `\n${line}\n`));
  }
}
module.exports = SummaryReporter;
