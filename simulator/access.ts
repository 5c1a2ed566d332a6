/**
 * What the integration user may do, exactly as the deployed permission sets say: object access
 * (read, create = publish for a platform event, edit, delete, View All, Modify All), field access
 * for custom fields, and record visibility under each object's sharing model. Generic over
 * whatever objects `salesforce/force-app` declares: nothing here names an object of the bot.
 *
 * The user's profile is "Minimum Access - API Only Integrations": it grants nothing, so an object
 * or custom field no assigned permission set names is invisible (SOQL answers INVALID_TYPE or
 * INVALID_FIELD, as Salesforce does). `fullAccess` is a System Administrator instead, for
 * conformance tests of REST itself.
 */
import type { ObjectModel } from './objectModel';
import type { ObjectPermissionSource, PermissionSetSource } from './sfdxMetadata';

export type SharingModel = 'Private' | 'Read' | 'ReadWrite';

export const NO_ACCESS: ObjectPermissionSource = {
  allowCreate: false,
  allowRead: false,
  allowEdit: false,
  allowDelete: false,
  viewAllRecords: false,
  modifyAllRecords: false,
};
const ALL_ACCESS: ObjectPermissionSource = {
  allowCreate: true,
  allowRead: true,
  allowEdit: true,
  allowDelete: true,
  viewAllRecords: true,
  modifyAllRecords: true,
};

/** Objects every user can read whatever the permission sets say (the user's own record, the org). */
const ALWAYS_READABLE = new Set(['User', 'Organization']);

/**
 * Objects whose access is their parent's ("Controlled by Parent"): no permission set grants them.
 * Reading a CaseComment needs Read on Case; creating one needs Edit on Case (and on that Case).
 */
export const CONTROLLED_BY_PARENT: ReadonlyMap<string, { parent: string; field: string }> = new Map([['CaseComment', { parent: 'Case', field: 'ParentId' }]]);

/** Salesforce's dependencies between object permissions: the first needs all of the others. */
const DEPENDENCIES: Array<[keyof ObjectPermissionSource, string, Array<[keyof ObjectPermissionSource, string]>]> = [
  ['allowCreate', 'Create', [['allowRead', 'Read']]],
  ['allowEdit', 'Edit', [['allowRead', 'Read']]],
  [
    'allowDelete',
    'Delete',
    [
      ['allowRead', 'Read'],
      ['allowEdit', 'Edit'],
    ],
  ],
  ['viewAllRecords', 'View All', [['allowRead', 'Read']]],
  [
    'modifyAllRecords',
    'Modify All',
    [
      ['allowRead', 'Read'],
      ['allowEdit', 'Edit'],
      ['allowDelete', 'Delete'],
      ['viewAllRecords', 'View All'],
    ],
  ],
];

/**
 * Refuses permission sets a deploy would refuse: an object or field the org does not have, a
 * permission without those it depends on, an editable field that is not readable.
 */
export function validatePermissionSets(model: ObjectModel, sets: readonly PermissionSetSource[]): void {
  for (const set of sets) {
    for (const [objectName, perms] of set.objects) {
      const object = model.find(objectName);
      if (CONTROLLED_BY_PARENT.has(objectName))
        throw new Error(`Deploy failed: ${set.name}: In field: object - ${objectName} takes its access from its parent: it cannot be granted`);
      if (!object || object.name !== objectName) throw new Error(`Deploy failed: ${set.name}: In field: object - no CustomObject named ${objectName} found`);
      for (const [key, label, needs] of DEPENDENCIES) {
        // A platform event's Create (publish) and Read (subscribe) are independent.
        if (!perms[key] || object.kind === 'platformEvent') continue;
        const missing = needs.filter(([need]) => !perms[need]).map(([, name]) => name);
        if (missing.length > 0)
          throw new Error(`Deploy failed: ${set.name}: Permission ${label} on ${objectName} depends on permission(s): ${missing.join(', ')}`);
      }
      if (object.kind === 'platformEvent' && (perms.allowEdit || perms.allowDelete || perms.viewAllRecords || perms.modifyAllRecords)) {
        throw new Error(`Deploy failed: ${set.name}: a platform event (${objectName}) takes only Read and Create permissions`);
      }
    }
    for (const [qualified, perms] of set.fields) {
      const [objectName = '', fieldName = ''] = qualified.split('.');
      const field = model.find(objectName)?.fieldsByLowerName.get(fieldName.toLowerCase());
      if (!field || field.name !== fieldName) throw new Error(`Deploy failed: ${set.name}: In field: field - no CustomField named ${qualified} found`);
      if (perms.editable && !perms.readable) throw new Error(`Deploy failed: ${set.name}: ${qualified} cannot be editable without being readable`);
    }
  }
}

export class UserAccess {
  private readonly objects = new Map<string, ObjectPermissionSource>();
  private readonly fields = new Map<string, { readable: boolean; editable: boolean }>();
  private readonly sharing = new Map<string, SharingModel>();
  private readonly fullAccess: boolean;
  private readonly userPermissions = new Set<string>();

  constructor(
    readonly assigned: readonly PermissionSetSource[],
    options: {
      fullAccess?: boolean;
      sharing?: Readonly<Record<string, SharingModel>>;
      /**
       * false: the user licence lets the assigned permission sets grant no object or field access (a
       * "Salesforce Integration" user without the "Salesforce API Integration" permission set licence).
       */
      grantsObjectAccess?: boolean;
    } = {},
  ) {
    this.fullAccess = options.fullAccess ?? false;
    for (const set of options.grantsObjectAccess === false ? [] : assigned) {
      for (const name of set.userPermissions) this.userPermissions.add(name);
      for (const [name, perms] of set.objects) {
        const merged = { ...(this.objects.get(name) ?? NO_ACCESS) };
        for (const key of Object.keys(merged) as Array<keyof ObjectPermissionSource>) merged[key] ||= perms[key];
        this.objects.set(name, merged);
      }
      for (const [name, perms] of set.fields) {
        const current = this.fields.get(name) ?? { readable: false, editable: false };
        this.fields.set(name, { readable: current.readable || perms.readable, editable: current.editable || perms.editable });
      }
    }
    for (const [name, model] of Object.entries(options.sharing ?? {})) this.sharing.set(name, model);
  }

  /** A user permission (`ViewSetup`, `ApiEnabled`) one of the assigned permission sets enables. */
  hasUserPermission(name: string): boolean {
    return this.fullAccess || this.userPermissions.has(name);
  }

  /** The names of the permission sets the user has. */
  get permissionSetNames(): string[] {
    return this.assigned.map((s) => s.name);
  }

  object(objectName: string): ObjectPermissionSource {
    if (this.fullAccess) return ALL_ACCESS;
    if (ALWAYS_READABLE.has(objectName)) return { ...NO_ACCESS, allowRead: true };
    const parent = CONTROLLED_BY_PARENT.get(objectName);
    if (parent) {
      const of = this.object(parent.parent);
      return { ...NO_ACCESS, allowRead: of.allowRead, allowCreate: of.allowEdit, allowEdit: of.allowEdit };
    }
    return this.objects.get(objectName) ?? NO_ACCESS;
  }

  /** Whether the object exists for this user at all (SOQL, describe, REST name it). */
  canSee(objectName: string): boolean {
    const perms = this.object(objectName);
    return perms.allowRead || perms.allowCreate;
  }

  /** Field-level security: custom fields need a fieldPermissions entry; standard fields follow the object. */
  field(objectName: string, fieldName: string, custom: boolean): { readable: boolean; editable: boolean } {
    if (this.fullAccess || !custom) return { readable: true, editable: true };
    return this.fields.get(`${objectName}.${fieldName}`) ?? { readable: false, editable: false };
  }

  sharingModel(objectName: string): SharingModel {
    return this.sharing.get(objectName) ?? 'ReadWrite';
  }

  /** Record-level read: the owner, View All / Modify All, or a sharing model that opens it. */
  canReadRecord(objectName: string, ownerId: string | undefined, userId: string): boolean {
    const perms = this.object(objectName);
    if (!perms.allowRead) return false;
    return perms.viewAllRecords || perms.modifyAllRecords || this.sharingModel(objectName) !== 'Private' || ownerId === undefined || ownerId === userId;
  }

  /** Record-level edit: the owner, Modify All, or a Read/Write sharing model. */
  canEditRecord(objectName: string, ownerId: string | undefined, userId: string): boolean {
    const perms = this.object(objectName);
    if (!perms.allowEdit) return false;
    return perms.modifyAllRecords || this.sharingModel(objectName) === 'ReadWrite' || ownerId === undefined || ownerId === userId;
  }
}
