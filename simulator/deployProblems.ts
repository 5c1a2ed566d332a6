/**
 * A metadata deploy's problems as Salesforce reports them (`DeployMessage`, one per problem, with the
 * file, the component and the line), and the parsed files they are found in. Shared by the validator
 * and its rules.
 */
import type { XmlElement } from './metadataXml';

export interface DeployMessage {
  changed: false;
  columnNumber: number;
  componentType: string;
  created: false;
  createdDate: string;
  deleted: false;
  fileName: string;
  fullName: string;
  lineNumber: number;
  problem: string;
  problemType: 'Error';
  success: false;
}

/** One metadata file of a package directory, parsed. */
export interface SourceComponent {
  /** As a deploy report names it: relative to the project folder. */
  fileName: string;
  absolutePath: string;
  componentType: string;
  /** `Case.Use_of_Funds__c`, `Cowork_Agent`, `Case.Send_Cowork_Form`. */
  fullName: string;
  root: XmlElement;
}

/** Collects the problems of one deploy; `at` attaches them to a component and an element. */
export class ProblemList {
  readonly messages: DeployMessage[] = [];

  at(
    component: Pick<SourceComponent, 'fileName' | 'fullName' | 'componentType'>,
    element: Pick<XmlElement, 'line' | 'column'> | undefined,
    problem: string,
  ): void {
    this.messages.push({
      changed: false,
      columnNumber: element?.column ?? 1,
      componentType: component.componentType,
      created: false,
      createdDate: new Date(0).toISOString(),
      deleted: false,
      fileName: component.fileName,
      fullName: component.fullName,
      lineNumber: element?.line ?? 1,
      problem,
      problemType: 'Error',
      success: false,
    });
  }
}
