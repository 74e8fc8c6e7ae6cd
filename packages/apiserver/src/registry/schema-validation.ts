/**
 * Validation against Kubernetes' published OpenAPI schemas, through the
 * generated validators of the `kubernetes-models` package (types, enums,
 * quantity and date formats). The resource strategies add the rules a schema
 * cannot express (names, immutability, selectors matching templates).
 */
import { RESOURCES, type KubeObject, type ResourceDescriptor, type StatusCause } from '@skiff/api';
import { rootType, schemaModel, type FieldType, type SchemaModel, type TypeDef } from '../openapi/model.js';
import { cause } from './strategy.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
  prototype: { validate: (this: unknown) => void };
}

/**
 * Per kind, the generated schema check run on a plain object. A model's
 * `validate` runs its compiled schema function on `this`; called on the object
 * itself it skips the model's constructor, which copies the whole object (a
 * third of the validation's cost). Objects the registry validates hold no
 * `undefined` members that the copy would drop: they come from JSON or from
 * the strategies, which delete fields rather than set them undefined.
 */
const validators = new Map<string, (object: KubeObject) => void>();

function modulePath(desc: ResourceDescriptor): string {
  return desc.group === ''
    ? `kubernetes-models/${desc.version}/${desc.kind}`
    : `kubernetes-models/${desc.group}/${desc.version}/${desc.kind}`;
}

/** Loads the generated validator of every served resource and the schema model; call once at start-up. */
export async function loadSchemaValidators(): Promise<void> {
  schemaModel();
  await Promise.all(
    RESOURCES.map(async (desc) => {
      try {
        const mod = (await import(modulePath(desc))) as Record<string, unknown>;
        const model = mod[desc.kind];
        if (typeof model === 'function') {
          const check = (model as ModelClass).prototype.validate;
          validators.set(`${desc.group}/${desc.kind}`, (object) => check.call(object));
        }
      } catch {
        // A resource without a generated model is validated by its strategy alone.
      }
    }),
  );
}

/** `/spec/containers/0/image` → `spec.containers[0].image`. */
export function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .filter((p) => p !== '')
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function valueAt(object: unknown, instancePath: string): unknown {
  let cur = object;
  for (const p of instancePath.split('/').filter((x) => x !== '')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** One cause per bad field, in Kubernetes' words where they map. */
function toCauses(object: KubeObject, errors: AjvError[]): StatusCause[] {
  const byPath = new Map<string, AjvError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const causes: StatusCause[] = [];
  for (const [path, errs] of byPath) {
    // Prefer the most specific message: enum, format, required, type.
    const pick =
      errs.find((e) => e.keyword === 'enum') ??
      errs.find((e) => e.keyword === 'format') ??
      errs.find((e) => e.keyword === 'required') ??
      errs[0];
    if (pick === undefined) continue;
    const value = JSON.stringify(valueAt(object, path));
    const field = fieldPath(path);
    switch (pick.keyword) {
      case 'enum': {
        const allowed = ((pick.params['allowedValues'] as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(', ');
        causes.push(cause('FieldValueNotSupported', field, `Unsupported value: ${value}: supported values: ${allowed}`));
        break;
      }
      case 'format':
        causes.push(cause('FieldValueInvalid', field, `Invalid value: ${value}: must be a valid ${String(pick.params['format'])}`));
        break;
      case 'required': {
        const missing = String(pick.params['missingProperty']);
        causes.push(cause('FieldValueRequired', field === '' ? missing : `${field}.${missing}`, 'Required value'));
        break;
      }
      case 'type':
        causes.push(cause('FieldValueTypeInvalid', field, `Invalid value: ${value}: must be of type ${String(pick.params['type'])}`));
        break;
      default:
        causes.push(cause('FieldValueInvalid', field, `Invalid value: ${value}: ${pick.message ?? pick.keyword}`));
    }
  }
  return causes;
}

/** Problems the resource's published schema finds; empty when valid or when no validator is loaded. */
export function schemaCauses(desc: ResourceDescriptor, object: KubeObject): StatusCause[] {
  const check = validators.get(`${desc.group}/${desc.kind}`);
  if (check === undefined) return [];
  try {
    check(object);
    return [];
  } catch (err) {
    const errors = (err as { errors?: AjvError[] }).errors;
    if (!Array.isArray(errors)) return [];
    return toCauses(object, errors);
  }
}

function dropUnknown(model: SchemaModel, value: unknown, type: FieldType | TypeDef, path: string, found: string[]): void {
  if (typeof value !== 'object' || value === null) return;
  if ('fields' in type) {
    if (Array.isArray(value)) return;
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      const field = type.fields.get(key);
      if (field === undefined) {
        found.push(childPath);
        delete obj[key];
      } else dropUnknown(model, obj[key], field.type, childPath, found);
    }
    return;
  }
  if (type.kind === 'ref') {
    const def = model.types.get(type.name);
    if (def !== undefined) dropUnknown(model, value, def, path, found);
  } else if (type.kind === 'array' && Array.isArray(value)) {
    value.forEach((item, i) => dropUnknown(model, item, type.items, `${path}[${i}]`, found));
  } else if (type.kind === 'map' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) dropUnknown(model, v, type.values, `${path}.${k}`, found);
  }
}

/**
 * Removes from `object` (in place) every field its kind's schema does not
 * declare, and returns their paths (`spec.containers[0].foo`), in Kubernetes'
 * notation for `unknown field` errors and warnings. Unknown fields are never stored.
 */
export function dropUnknownFields(desc: ResourceDescriptor, object: unknown): string[] {
  const root = rootType(desc);
  if (root === undefined) return [];
  const found: string[] = [];
  dropUnknown(schemaModel(), object, root, '', found);
  return found;
}
