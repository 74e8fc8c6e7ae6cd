/** The 403 Status admission plugins answer with, worded as upstream's admission.NewForbidden. */
import { ApiError } from '@skiff/api';
import type { AdmissionAttributes } from './types.js';

/**
 * `pods "web" is forbidden: <reason>`: the object's name, or its generateName
 * when the name is still to be generated (as upstream names it).
 */
export function forbidden(a: AdmissionAttributes, reason: string): ApiError {
  const name = a.name !== '' ? a.name : (a.object?.metadata?.generateName ?? a.object?.metadata?.name ?? '');
  const resource = a.desc.group === '' ? a.desc.resource : `${a.desc.resource}.${a.desc.group}`;
  return new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${reason}`, {
    group: a.desc.group,
    kind: a.desc.resource,
    name,
  });
}

/** True for a request on the core/v1 pods resource itself (not a subresource). */
export function isPodWrite(a: AdmissionAttributes): boolean {
  return a.desc.group === '' && a.desc.resource === 'pods' && a.subresource === '';
}
