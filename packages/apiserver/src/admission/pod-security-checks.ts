/**
 * The Pod Security Standards' checks (upstream's pod-security-admission
 * policy checks), each returning its reason text or undefined. Baseline:
 * non-default capabilities, host namespaces, hostPath volumes, hostPorts,
 * privileged containers, an Unconfined seccomp profile. Restricted adds
 * allowPrivilegeEscalation, dropping ALL capabilities, runAsNonRoot and a
 * RuntimeDefault/Localhost seccomp profile. Checks run in upstream's order
 * (by check id), so messages list reasons as upstream does.
 */
import type { Container, Pod } from '@skiff/api';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

interface Check {
  readonly level: 'baseline' | 'restricted';
  evaluate(pod: Pod, containers: readonly Container[]): string | undefined;
}

/** Capabilities a baseline container may add. */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');
/** `container "a"` or `containers "a", "b"`. */
const containersPhrase = (names: readonly string[]): string => `${names.length === 1 ? 'container' : 'containers'} ${quoted(names)}`;
const unique = (values: Iterable<string>): string[] => [...new Set(values)];

function namesWhere(containers: readonly Container[], bad: (c: Container) => boolean): string[] {
  return containers.filter(bad).map((c) => c.name);
}

const CHECKS: readonly Check[] = [
  {
    level: 'restricted', // allowPrivilegeEscalation
    evaluate(_pod, containers) {
      const bad = namesWhere(containers, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
      return bad.length === 0
        ? undefined
        : `allowPrivilegeEscalation != false (${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false)`;
    },
  },
  {
    level: 'baseline', // capabilities_baseline
    evaluate(_pod, containers) {
      const bad: string[] = [];
      const caps: string[] = [];
      for (const c of containers) {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap));
        if (extra.length > 0) {
          bad.push(c.name);
          caps.push(...extra);
        }
      }
      return bad.length === 0
        ? undefined
        : `non-default capabilities (${containersPhrase(bad)} must not include ${quoted(unique(caps).sort())} in securityContext.capabilities.add)`;
    },
  },
  {
    level: 'restricted', // capabilities_restricted
    evaluate(_pod, containers) {
      const noDrop = namesWhere(containers, (c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
      const adders: string[] = [];
      const caps: string[] = [];
      for (const c of containers) {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
        if (extra.length > 0) {
          adders.push(c.name);
          caps.push(...extra);
        }
      }
      const parts: string[] = [];
      if (noDrop.length > 0) parts.push(`${containersPhrase(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adders.length > 0)
        parts.push(`${containersPhrase(adders)} must not include ${quoted(unique(caps).sort())} in securityContext.capabilities.add`);
      return parts.length === 0 ? undefined : `unrestricted capabilities (${parts.join('; ')})`;
    },
  },
  {
    level: 'baseline', // hostNamespaces
    evaluate(pod) {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => pod.spec?.[f] === true);
      return set.length === 0 ? undefined : `host namespaces (${set.map((f) => `${f}=true`).join(', ')})`;
    },
  },
  {
    level: 'baseline', // hostPathVolumes
    evaluate(pod) {
      const bad = (pod.spec?.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name);
      return bad.length === 0 ? undefined : `hostPath volumes (${bad.length === 1 ? 'volume' : 'volumes'} ${quoted(bad)})`;
    },
  },
  {
    level: 'baseline', // hostPorts
    evaluate(_pod, containers) {
      const bad: string[] = [];
      const ports: string[] = [];
      for (const c of containers) {
        const hostPorts = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
        if (hostPorts.length > 0) {
          bad.push(c.name);
          ports.push(...hostPorts.map(String));
        }
      }
      if (bad.length === 0) return undefined;
      const all = unique(ports);
      return `hostPort (${containersPhrase(bad)} ${bad.length === 1 ? 'uses' : 'use'} ${all.length === 1 ? 'hostPort' : 'hostPorts'} ${all.join(', ')})`;
    },
  },
  {
    level: 'baseline', // privileged
    evaluate(_pod, containers) {
      const bad = namesWhere(containers, (c) => c.securityContext?.privileged === true);
      return bad.length === 0 ? undefined : `privileged (${containersPhrase(bad)} must not set securityContext.privileged=true)`;
    },
  },
  {
    level: 'restricted', // runAsNonRoot
    evaluate(pod, containers) {
      const podValue = pod.spec?.securityContext?.runAsNonRoot;
      const parts: string[] = [];
      if (podValue === false) parts.push('pod must not set securityContext.runAsNonRoot=false');
      const explicitFalse = namesWhere(containers, (c) => c.securityContext?.runAsNonRoot === false);
      if (explicitFalse.length > 0) parts.push(`${containersPhrase(explicitFalse)} must not set securityContext.runAsNonRoot=false`);
      if (podValue !== true) {
        const unset = namesWhere(containers, (c) => c.securityContext?.runAsNonRoot === undefined);
        if (unset.length > 0 && podValue === undefined) {
          parts.push(`pod or ${containersPhrase(unset)} must set securityContext.runAsNonRoot=true`);
        }
      }
      return parts.length === 0 ? undefined : `runAsNonRoot != true (${parts.join('; ')})`;
    },
  },
  {
    level: 'baseline', // seccompProfile_baseline
    evaluate(pod, containers) {
      const parts: string[] = [];
      if (pod.spec?.securityContext?.seccompProfile?.type === 'Unconfined')
        parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
      const bad = namesWhere(containers, (c) => c.securityContext?.seccompProfile?.type === 'Unconfined');
      if (bad.length > 0) parts.push(`${containersPhrase(bad)} must not set securityContext.seccompProfile.type to "Unconfined"`);
      return parts.length === 0 ? undefined : `seccompProfile (${parts.join('; ')})`;
    },
  },
  {
    level: 'restricted', // seccompProfile_restricted
    evaluate(pod, containers) {
      const allowed = (t: string | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';
      const podType = pod.spec?.securityContext?.seccompProfile?.type;
      const bad = namesWhere(containers, (c) => {
        const t = c.securityContext?.seccompProfile?.type;
        return t === undefined ? !allowed(podType) : !allowed(t) && t !== 'Unconfined';
      });
      if (bad.length === 0) return undefined;
      return podType === undefined
        ? `seccompProfile (pod or ${containersPhrase(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
        : `seccompProfile (${containersPhrase(bad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`;
    },
  },
];

/** Every reason the pod violates the level, in upstream's order; empty when it complies. */
export function podSecurityViolations(pod: Pod, level: PodSecurityLevel): string[] {
  if (level === 'privileged') return [];
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const out: string[] = [];
  for (const check of CHECKS) {
    if (check.level === 'restricted' && level !== 'restricted') continue;
    const reason = check.evaluate(pod, containers);
    if (reason !== undefined) out.push(reason);
  }
  return out;
}
