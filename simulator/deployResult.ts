/**
 * A refused deploy in the Metadata API's shape: `checkDeployStatus` answers a DeployResult with
 * `status: 'Failed'`, `success: false`, the counts, and `details.componentFailures` (one
 * DeployMessage per problem; Metadata API Developer Guide, "DeployResult" and "DeployMessage").
 * Nothing of a failed deploy is kept: the org rolls every component back.
 */
import type { DeployMessage } from './metadataValidator';

export interface DeployResult {
  done: true;
  status: 'Failed';
  success: false;
  checkOnly: false;
  rollbackOnError: true;
  numberComponentErrors: number;
  numberComponentsDeployed: 0;
  numberComponentsTotal: number;
  details: { componentFailures: DeployMessage[]; componentSuccesses: [] };
}

export class DeployFailedError extends Error {
  override readonly name = 'DeployFailedError';
  readonly result: DeployResult;

  constructor(failures: readonly DeployMessage[], componentsTotal: number) {
    super(
      `Deploy failed:\n${failures.map((f) => `  ${f.fileName} (${f.lineNumber}:${f.columnNumber}) ${f.componentType} ${f.fullName}: ${f.problem}`).join('\n')}`,
    );
    this.result = {
      done: true,
      status: 'Failed',
      success: false,
      checkOnly: false,
      rollbackOnError: true,
      numberComponentErrors: new Set(failures.map((f) => f.fileName)).size,
      numberComponentsDeployed: 0,
      numberComponentsTotal: componentsTotal,
      details: { componentFailures: [...failures], componentSuccesses: [] },
    };
  }
}
