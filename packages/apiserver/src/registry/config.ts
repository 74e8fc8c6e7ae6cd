/** ConfigMaps and Secrets: data validation, Secret stringData folding, kubectl's columns. */
import { CONFIGMAPS, SECRETS, type ConfigMap, type KubeObject, type Secret, type StatusCause } from '@skiff/api';
import { namedPrinter, simpleStrategy } from './simple.js';
import { cause } from './strategy.js';

const KEY = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Kubernetes' limit on the total size of a ConfigMap's or Secret's data. */
const MAX_DATA_BYTES = 1024 * 1024;

function keyErrors(keys: string[], field: string): StatusCause[] {
  return keys
    .filter((k) => !KEY.test(k) || k.length > 253)
    .map((k) =>
      cause(
        'FieldValueInvalid',
        `${field}[${k}]`,
        `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
      ),
    );
}

function validateConfigMap(object: KubeObject): StatusCause[] {
  const cm = object as ConfigMap;
  const keys = [...Object.keys(cm.data ?? {}), ...Object.keys(cm.binaryData ?? {})];
  const causes = keyErrors(keys, 'data');
  const size = Object.values(cm.data ?? {}).reduce((n, v) => n + Buffer.byteLength(String(v)), 0);
  if (size > MAX_DATA_BYTES) causes.push(cause('FieldValueTooLong', 'data', `Too long: must have at most ${MAX_DATA_BYTES} bytes`));
  return causes;
}

function validateSecret(object: KubeObject): StatusCause[] {
  const secret = object as Secret;
  const causes = keyErrors(Object.keys(secret.data ?? {}), 'data');
  for (const [k, v] of Object.entries(secret.data ?? {})) {
    if (typeof v !== 'string' || !BASE64.test(v))
      causes.push(cause('FieldValueInvalid', `data[${k}]`, 'Invalid value: must be base64 encoded'));
  }
  return causes;
}

/** Folds stringData into data (base64), as the apiserver does on every write. */
export function foldStringData(object: KubeObject): void {
  const secret = object as Secret & { stringData?: Record<string, string> };
  if (secret.stringData === undefined) return;
  secret.data ??= {};
  for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(v, 'utf8').toString('base64');
  delete secret.stringData;
}

export const configMapStrategy = simpleStrategy(CONFIGMAPS, {
  validate: validateConfigMap,
  printer: namedPrinter([
    { name: 'Data', cell: (o) => Object.keys((o as ConfigMap).data ?? {}).length + Object.keys((o as ConfigMap).binaryData ?? {}).length },
  ]),
});

const baseSecretStrategy = simpleStrategy(SECRETS, {
  fieldSelectors: ['type'],
  defaults(object) {
    const s = object as Secret;
    s.type ??= 'Opaque';
    foldStringData(object);
  },
  validate: validateSecret,
  printer: namedPrinter([
    { name: 'Type', cell: (o) => (o as Secret).type ?? 'Opaque' },
    { name: 'Data', cell: (o) => Object.keys((o as Secret).data ?? {}).length },
  ]),
});

/** Secrets fold stringData into data on updates too. */
export const secretStrategy = {
  ...baseSecretStrategy,
  prepareForUpdate(next: KubeObject, previous: KubeObject, subresource: 'status' | undefined): void {
    foldStringData(next);
    baseSecretStrategy.prepareForUpdate(next, previous, subresource);
  },
};
