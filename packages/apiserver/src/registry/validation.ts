/** Kubernetes' naming rules and the metadata checks every resource shares. */
import type { KubeObject, StatusCause } from '@skiff/api';
import { cause } from './strategy.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Messages for a name that is not a DNS-1123 label (63 chars, lower-case alphanumerics and '-'). */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

/** Messages for a name that is not a DNS-1123 subdomain (253 chars). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

function labelKeyErrors(key: string): string[] {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const errs: string[] = [];
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  }
  if (prefix !== undefined) errs.push(...dns1123SubdomainErrors(prefix).map((e) => `prefix part ${e}`));
  return errs;
}

/** Checks metadata.name, labels and annotations; `nameRule` picks label or subdomain names. */
export function validateObjectMeta(object: KubeObject, nameRule: 'label' | 'subdomain'): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = object.metadata ?? {};
  const name = meta.name ?? '';
  if (name === '') causes.push(cause('FieldValueRequired', 'metadata.name', 'Required value: name or generateName is required'));
  else {
    const errs = nameRule === 'label' ? dns1123LabelErrors(name) : dns1123SubdomainErrors(name);
    for (const e of errs) causes.push(cause('FieldValueInvalid', 'metadata.name', `Invalid value: "${name}": ${e}`));
  }
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    for (const e of labelKeyErrors(k)) causes.push(cause('FieldValueInvalid', 'metadata.labels', `Invalid value: "${k}": ${e}`));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      causes.push(
        cause(
          'FieldValueInvalid',
          'metadata.labels',
          `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        ),
      );
    }
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (typeof v !== 'string') causes.push(cause('FieldValueInvalid', `metadata.annotations[${k}]`, 'Invalid value: must be a string'));
  }
  return causes;
}
