/**
 * ServiceAccount (mutating): a pod without `spec.serviceAccountName` runs as
 * the namespace's `default` ServiceAccount. (Upstream also mounts the
 * projected token volume; Skiff's kubelet has no volumes yet, so none is added.)
 */
import type { Pod } from '@skiff/api';
import { isPodWrite } from './forbidden.js';
import type { AdmissionAttributes, MutatingPlugin } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export class ServiceAccountAdmission implements MutatingPlugin {
  readonly name = 'ServiceAccount';

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && isPodWrite(a);
  }

  admit(a: AdmissionAttributes): void {
    const spec = (a.object as Pod).spec;
    if (spec === undefined) return;
    if (spec.serviceAccountName === undefined || spec.serviceAccountName === '') spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
  }
}
