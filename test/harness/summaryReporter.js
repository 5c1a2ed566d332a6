// Prints the run's totals as one plain line ("N passed, N failed[, N skipped]") as the very last
// line of the output (after jest's own summary), so CI logs end with a line any tool can read.
const fs = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : '');
    process.once('exit', () => fs.writeSync(1, `\n${line}\n`));
  }
}
module.exports = SummaryReporter;
