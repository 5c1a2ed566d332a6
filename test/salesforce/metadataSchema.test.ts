/**
 * The shipped metadata is checked against Salesforce's own schema (the Metadata WSDL, as
 * `@salesforce/types` ships it) and the documented limits the schema does not carry, the way an
 * org checks a deploy. Each row edits a copy of the real files the way an org would refuse and
 * expects a refusal naming the file and the element; the unedited files deploy clean.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { validateMetadataSource, type DeployMessage } from '../../simulator/metadataValidator';
import { standardOrgSchema } from '../../simulator/objectModel';

const PROJECT = join(__dirname, '../../salesforce');
const MAIN = 'force-app/main/default';
const PACKAGES = [MAIN, `legacy-chat/${MAIN}`, `messaging/${MAIN}`];

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function copy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cowork-schema-'));
  copies.push(dir);
  cpSync(PROJECT, dir, { recursive: true });
  return dir;
}

function validate(dir: string, packages: readonly string[] = PACKAGES, messaging = true): DeployMessage[] {
  return validateMetadataSource(
    packages.map((p) => join(dir, p)),
    dir,
    standardOrgSchema({ messaging }),
  );
}

/** Replaces the first `from` in a file of force-app; a row whose text is not there fails loudly. */
const replace =
  (file: string, from: string | RegExp, to: string) =>
  (dir: string): void => {
    const path = join(dir, MAIN, file);
    const before = readFileSync(path, 'utf8');
    const after = before.replace(from, to);
    if (after === before) throw new Error(`${file}: nothing to replace for ${String(from)}`);
    writeFileSync(path, after);
  };

const AGENT = 'permissionsets/Cowork_Agent.permissionset-meta.xml';
const BOT = 'permissionsets/Cowork_Bot.permissionset-meta.xml';
const EVENT = 'objects/Use_of_Funds__e/Use_of_Funds__e.object-meta.xml';
const REASON = 'objects/Use_of_Funds__e/fields/Use_of_Fund_Reason__c.field-meta.xml';
const PICKLIST = 'objects/Case/fields/Use_of_Funds__c.field-meta.xml';
const ANSWER_FLOW = 'flows/Answer_Cowork_Form.flow-meta.xml';
const SEND_FLOW = 'flows/Send_Cowork_Form.flow-meta.xml';
const ACTION = 'quickActions/Case.Send_Cowork_Form.quickAction-meta.xml';
const PANEL_JS = 'lwc/coworkPanel/coworkPanel.js';
const PANEL_META = 'lwc/coworkPanel/coworkPanel.js-meta.xml';
const APP = 'externalClientApps/Cowork_Bot.eca-meta.xml';

type Row = [description: string, edit: (dir: string) => void, file: string, problem: RegExp];

const ROWS: Row[] = [
  // Element names and nesting, from the WSDL.
  [
    'an unknown element in a permission set',
    replace(AGENT, '<label>', '<canSeeEverything>true</canSeeEverything>\n    <label>'),
    AGENT,
    /Element \{http:\/\/soap\.sforce\.com\/2006\/04\/metadata\}canSeeEverything invalid at this location in type PermissionSet/,
  ],
  [
    'an unknown element nested in objectPermissions',
    replace(BOT, '<allowRead>true</allowRead>', '<allowRead>true</allowRead><allowView>true</allowView>'),
    BOT,
    /allowView invalid at this location in type PermissionSetObjectPermissions/,
  ],
  [
    'an element that does not repeat, twice',
    replace(AGENT, '<label>Cowork Agent</label>', '<label>Cowork Agent</label><label>Again</label>'),
    AGENT,
    /label invalid at this location in type PermissionSet/,
  ],
  [
    'a child inside a text element',
    replace(EVENT, '<label>Use of Funds</label>', '<label><en>Use of Funds</en></label>'),
    EVENT,
    /en invalid at this location in type string/,
  ],
  [
    'a flow element in the wrong type',
    replace(ANSWER_FLOW, '<isCollection>false</isCollection>', '<isCollection>false</isCollection><inputAssignments/>'),
    ANSWER_FLOW,
    /inputAssignments invalid at this location in type FlowVariable/,
  ],
  // Enumerations, from the WSDL.
  [
    'eventType StandardVolumeX',
    replace(EVENT, '<eventType>HighVolume<', '<eventType>StandardVolumeX<'),
    EVENT,
    /'StandardVolumeX' is not a valid value for the enum 'PlatformEventType'/,
  ],
  [
    'an unknown publishBehavior',
    replace(EVENT, '<publishBehavior>PublishImmediately<', '<publishBehavior>PublishSometimes<'),
    EVENT,
    /'PublishSometimes' is not a valid value for the enum 'PlatformEventPublishBehavior'/,
  ],
  [
    'a flow variable of type Strng',
    replace(ANSWER_FLOW, '<dataType>String<', '<dataType>Strng<'),
    ANSWER_FLOW,
    /'Strng' is not a valid value for the enum 'FlowDataType'/,
  ],
  [
    'a flow of an unknown process type',
    replace(SEND_FLOW, '<processType>Flow<', '<processType>ScreenFlow<'),
    SEND_FLOW,
    /'ScreenFlow' is not a valid value for the enum 'FlowProcessType'/,
  ],
  ['a field of an unknown type', replace(REASON, '<type>Text<', '<type>String<'), REASON, /'String' is not a valid value for the enum 'FieldType'/],
  ['a quick action of an unknown type', replace(ACTION, '<type>Flow<', '<type>Flows<'), ACTION, /'Flows' is not a valid value for the enum 'QuickActionType'/],
  [
    'an unknown distribution state of the app',
    replace(APP, /<distributionState>\w+</, '<distributionState>Public<'),
    APP,
    /'Public' is not a valid value for the enum/,
  ],
  // Primitive types.
  ['a permission that is not a boolean', replace(BOT, '<allowRead>true<', '<allowRead>yes<'), BOT, /'yes' is not a valid value for the type xsd:boolean/],
  ['a length that is not a number', replace(REASON, '<length>255<', '<length>long<'), REASON, /'long' is not a valid value for the type xsd:double/],
  // Required elements (minOccurs).
  ['a permission set without its label', replace(AGENT, '<label>Cowork Agent</label>', ''), AGENT, /Required field is missing: label/],
  ['a flow variable without its data type', replace(ANSWER_FLOW, '<dataType>String</dataType>', ''), ANSWER_FLOW, /Required field is missing: dataType/],
  // Documented limits the WSDL does not carry.
  ['a Text field of length 300', replace(REASON, '<length>255<', '<length>300<'), REASON, /Text field length must be between 1 and 255 \(was 300\)/],
  ['a Text field without a length', replace(REASON, '<length>255</length>', ''), REASON, /Text field length must be between 1 and 255 \(was missing\)/],
  [
    'a Long Text Area of length 200',
    replace(REASON, /<length>255<\/length>([\s\S]*)<type>Text</, '<length>200</length>$1<type>LongTextArea<'),
    REASON,
    /LongTextArea field length must be between 256 and 131072 \(was 200\)/,
  ],
  ['a platform event field of type Email', replace(REASON, '<type>Text<', '<type>Email<'), REASON, /A platform event field cannot be of type Email/],
  [
    'a field label over 40 characters',
    replace(REASON, '<label>Use of Fund Reason<', `<label>${'Why the customer needs the money, in words'}<`),
    REASON,
    /label: data value too large.*max length=40/,
  ],
  [
    'a duplicate picklist value',
    replace(PICKLIST, '<fullName>Debt Consolidation<', '<fullName>Renovation Work<'),
    PICKLIST,
    /Duplicate picklist value: Renovation Work/,
  ],
  [
    'a duplicate picklist value in another case',
    replace(PICKLIST, '<fullName>Debt Consolidation<', '<fullName>renovation work<'),
    PICKLIST,
    /Duplicate picklist value: renovation work/,
  ],
  [
    'two default picklist values',
    (dir) => {
      replace(PICKLIST, '<default>false<', '<default>true<')(dir);
      replace(PICKLIST, '<default>false<', '<default>true<')(dir);
    },
    PICKLIST,
    /only one default value/,
  ],
  [
    'a field API name with two consecutive underscores',
    (dir) => {
      const from = join(dir, MAIN, REASON);
      renameSync(from, from.replace('Use_of_Fund_Reason__c', 'Use__Reason__c'));
      replace(REASON.replace('Use_of_Fund_Reason__c', 'Use__Reason__c'), '<fullName>Use_of_Fund_Reason__c<', '<fullName>Use__Reason__c<')(dir);
    },
    REASON.replace('Use_of_Fund_Reason__c', 'Use__Reason__c'),
    /Use__Reason: the API name can only contain underscores and alphanumeric characters/,
  ],
  [
    'a fullName that is not the file name',
    replace(REASON, '<fullName>Use_of_Fund_Reason__c<', '<fullName>Reason__c<'),
    REASON,
    /The fullName Reason__c does not match the file name/,
  ],
  [
    'objectPermissions for one object twice',
    replace(AGENT, '<object>Cowork_Status__e</object>', '<object>Cowork_Request__e</object>'),
    AGENT,
    /Object permissions for Cowork_Request__e is listed twice/,
  ],
  // References: every object, field, flow and schema import exists in the org or the deploy.
  [
    'a permission on a field that does not exist',
    replace(BOT, '<field>Case.Use_of_Funds__c<', '<field>Case.Use_of_Fundz__c<'),
    BOT,
    /no CustomField named Case\.Use_of_Fundz__c found/,
  ],
  [
    'a permission on an object that does not exist',
    replace(AGENT, '<object>Cowork_Status__e<', '<object>Cowork_State__e<'),
    AGENT,
    /no CustomObject named Cowork_State__e found/,
  ],
  ['access to a flow that does not exist', replace(AGENT, '<flow>Answer_Cowork_Form<', '<flow>Answer_Form<'), AGENT, /no Flow named Answer_Form found/],
  [
    'a flow creating a record of an unknown object',
    replace(ANSWER_FLOW, '<object>Use_of_Funds__e<', '<object>Use_of_Fund__e<'),
    ANSWER_FLOW,
    /no CustomObject named Use_of_Fund__e found/,
  ],
  [
    'a flow assigning a field the event does not have',
    replace(ANSWER_FLOW, '<field>Use_of_Fund_Reason__c<', '<field>Reason__c<'),
    ANSWER_FLOW,
    /no CustomField named Use_of_Funds__e\.Reason__c found/,
  ],
  [
    'a flow connector to an element that does not exist',
    replace(SEND_FLOW, '<targetReference>Publish_Cowork_Request<', '<targetReference>Publish_Request<'),
    SEND_FLOW,
    /The element Publish_Request that a connector targets doesn't exist/,
  ],
  [
    'a flow value from a variable that does not exist',
    replace(ANSWER_FLOW, '<elementReference>useOfFundsReason<', '<elementReference>reason<'),
    ANSWER_FLOW,
    /The element reference reason doesn't match any resource/,
  ],
  [
    'a quick action running a flow that does not exist',
    replace(ACTION, '<flowDefinition>Send_Cowork_Form<', '<flowDefinition>Send_Form<'),
    ACTION,
    /no Flow named Send_Form found/,
  ],
  [
    'an LWC import of a field that does not exist',
    replace(PANEL_JS, "'@salesforce/schema/Case.Use_of_Funds__c'", "'@salesforce/schema/Case.Use_of_Fundz__c'"),
    PANEL_JS,
    /Invalid reference Case\.Use_of_Fundz__c of type sobjectField/,
  ],
  [
    'an LWC import of an object that does not exist',
    replace(PANEL_JS, "'@salesforce/schema/Case'", "'@salesforce/schema/Kase'"),
    PANEL_JS,
    /Invalid reference Kase of type sobjectClass/,
  ],
  [
    'an LWC placed on an object that does not exist',
    replace(PANEL_META, '<object>Case</object>', '<object>Kase</object>'),
    PANEL_META,
    /Invalid reference Kase of type sobjectClass/,
  ],
  [
    'an LWC form factor that does not exist',
    replace(PANEL_META, '</objects>', '</objects>\n            <supportedFormFactors><supportedFormFactor type="Medium"/></supportedFormFactors>'),
    PANEL_META,
    /Invalid supportedFormFactor type 'Medium'/,
  ],
  // Not even XML.
  ['a file that is not well-formed', replace(AGENT, '</PermissionSet>', '</PermissionSett>'), AGENT, /Error parsing file/],
];

describe("the metadata an org accepts, checked against Salesforce's own schema", () => {
  it('the shipped force-app and optional packages deploy clean', () => {
    expect(validate(PROJECT)).toEqual([]);
  });

  it.each(ROWS)('refuses %s, naming the file and the element', (_description, edit, file, problem) => {
    const dir = copy();
    edit(dir);
    const failures = validate(dir);
    const expectedFile = file.startsWith('lwc/') || !file.includes('/main/') ? `${MAIN}/${file}` : file;
    expect(failures).toContainEqual(
      expect.objectContaining({
        fileName: expectedFile,
        problem: expect.stringMatching(problem),
        problemType: 'Error',
        success: false,
        lineNumber: expect.any(Number),
      }),
    );
  });

  it('an org without Messaging refuses the messaging package, and force-app alone deploys', () => {
    const failures = validate(PROJECT, [MAIN, `messaging/${MAIN}`], false);
    expect(failures).toEqual([
      expect.objectContaining({
        fileName: `messaging/${MAIN}/permissionsets/Cowork_Bot_Messaging.permissionset-meta.xml`,
        componentType: 'PermissionSet',
        fullName: 'Cowork_Bot_Messaging',
        problem: 'In field: object - no CustomObject named MessagingSession found',
      }),
    ]);
    expect(validate(PROJECT, [MAIN], false)).toEqual([]);
  });
});
