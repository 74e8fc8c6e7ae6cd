/**
 * PodSecurity (validating): a namespace labelled
 * `pod-security.kubernetes.io/enforce: baseline|restricted|privileged`
 * refuses pods that violate that Pod Security Standard, with upstream's
 * message (`violates PodSecurity "baseline:latest": privileged (container "c"
 * must not set securityContext.privileged=true)`). The version label
 * (`enforce-version`) is only echoed: every version is checked as latest.
 * An unknown level enforces restricted (fail closed). Warn and audit modes
 * are not served.
 */
import { NAMESPACES, objectKey, type Pod } from '@skiff/api';
import type { WatchCache } from '../storage/watch-cache.js';
import { forbidden, isPodWrite } from './forbidden.js';
import { podSecurityViolations, type PodSecurityLevel } from './pod-security-checks.js';
import type { AdmissionAttributes, ValidatingPlugin } from './types.js';

export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
export const ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

function levelOf(value: string): PodSecurityLevel {
  return value === 'privileged' || value === 'baseline' ? value : 'restricted';
}

export class PodSecurityAdmission implements ValidatingPlugin {
  readonly name = 'PodSecurity';

  constructor(private readonly cache: WatchCache) {}

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && isPodWrite(a);
  }

  validate(a: AdmissionAttributes): void {
    const labels = this.cache.get(objectKey(NAMESPACES, '', a.namespace))?.object.metadata?.labels;
    const enforce = labels?.[ENFORCE_LABEL];
    if (enforce === undefined) return;
    const level = levelOf(enforce);
    const reasons = podSecurityViolations(a.object as Pod, level);
    if (reasons.length === 0) return;
    const version = labels?.[ENFORCE_VERSION_LABEL] ?? 'latest';
    throw forbidden(a, `violates PodSecurity "${level}:${version}": ${reasons.join(', ')}`);
  }
}
