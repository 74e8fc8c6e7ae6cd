/**
 * Priority (mutating and validating), as upstream's plugin:
 * - a pod's `spec.priority` comes from its `priorityClassName`, or from the
 *   globalDefault PriorityClass (whose name it then takes), else 0; an
 *   unknown class is 403; a priority the client set that differs is 403;
 *   the class's preemptionPolicy is copied to the pod;
 * - only one PriorityClass may be globalDefault.
 * The built-in classes (system-cluster-critical, system-node-critical) are
 * objects the apiserver creates at start (`ensureSystemPriorityClasses`).
 */
import { ApiError, PRIORITYCLASSES, type PriorityClass, type Pod } from '@skiff/api';
import { forbidden, isPodWrite } from './forbidden.js';
import type { PolicyIndex } from './policy-index.js';
import type { AdmissionAttributes, MutatingPlugin, ValidatingPlugin } from './types.js';

/** The classes every cluster has, with upstream's names and values. */
export const SYSTEM_PRIORITY_CLASSES: readonly PriorityClass[] = [
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-node-critical' },
    value: 2_000_001_000,
    description: 'For pods a node cannot work without; they are never moved off it.',
  },
  {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name: 'system-cluster-critical' },
    value: 2_000_000_000,
    description: 'For pods the cluster cannot work without; they may be moved to another node.',
  },
];

export class PriorityAdmission implements MutatingPlugin, ValidatingPlugin {
  readonly name = 'Priority';

  /**
   * `syncCache` waits until the index has every committed write: a class created a moment before the pod
   * may not have reached it yet, and a miss is checked again after the wait before it is refused.
   */
  constructor(
    private readonly index: PolicyIndex,
    private readonly syncCache: () => Promise<void> = () => Promise.resolve(),
  ) {}

  handles(a: AdmissionAttributes): boolean {
    if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
    return (a.operation === 'CREATE' && isPodWrite(a)) || a.desc === PRIORITYCLASSES;
  }

  /** Resolves the pod's priority (pods only). */
  admit(a: AdmissionAttributes): void | Promise<void> {
    if (a.desc === PRIORITYCLASSES) return;
    const spec = (a.object as Pod).spec;
    if (spec === undefined) return;
    const className = spec.priorityClassName ?? '';
    if (className !== '' && this.index.priorityClass(className) === undefined) {
      return this.syncCache().then(() => this.resolve(a));
    }
    this.resolve(a);
  }

  private resolve(a: AdmissionAttributes): void {
    const spec = (a.object as Pod).spec;
    if (spec === undefined) return;
    let value = 0;
    let policy: string | undefined;
    const className = spec.priorityClassName ?? '';
    if (className === '') {
      const def = this.index.globalDefaultPriorityClass();
      if (def !== undefined) {
        spec.priorityClassName = def.metadata?.name ?? '';
        value = def.value;
        policy = def.preemptionPolicy;
      }
    } else {
      const pc = this.index.priorityClass(className);
      if (pc === undefined) throw forbidden(a, `no PriorityClass with name ${className} was found`);
      value = pc.value;
      policy = pc.preemptionPolicy;
    }
    if (spec.priority !== undefined && spec.priority !== null && spec.priority !== value) {
      throw forbidden(
        a,
        `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
      );
    }
    spec.priority = value;
    if (policy !== undefined) spec.preemptionPolicy = policy;
  }

  /** One globalDefault PriorityClass at most. */
  validate(a: AdmissionAttributes): void {
    if (a.desc !== PRIORITYCLASSES) return;
    const pc = a.object as PriorityClass;
    if (pc.globalDefault !== true) return;
    const current = this.index.globalDefaultPriorityClass();
    const currentName = current?.metadata?.name;
    if (currentName !== undefined && currentName !== pc.metadata?.name) {
      throw forbidden(a, `PriorityClass ${currentName} is already marked as default. Only one default can exist`);
    }
  }
}

/** Whether an error from creating a system class means it already exists. */
export function alreadyThere(err: unknown): boolean {
  return err instanceof ApiError && err.reason === 'AlreadyExists';
}
