/** The admission plugins' pure rules: quantity arithmetic and printing, quota usage, Pod Security checks. */
import { describe, expect, it } from 'vitest';
import { DEPLOYMENTS, PODS, type Pod } from '@skiff/api';
import { canonical, formatMilli, prettyPrint, toMilli } from '../src/admission/quantities.js';
import { countedResource, missingSpecifications, usageOf } from '../src/admission/quota-usage.js';
import { podSecurityViolations } from '../src/admission/pod-security-checks.js';

const pod = (spec: Partial<NonNullable<Pod['spec']>>, phase = 'Running'): Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  status: { phase },
});

describe('quantities', () => {
  it('prints as resource.Quantity does', () => {
    expect(canonical('0.5')).toBe('500m');
    expect(canonical('1024Mi')).toBe('1Gi');
    expect(canonical('2')).toBe('2');
    expect(canonical('1000')).toBe('1k');
    expect(formatMilli(toMilli('1Gi') + toMilli('512Mi'), true)).toBe('1536Mi');
    expect(
      prettyPrint(
        new Map([
          ['pods', 2000],
          ['requests.cpu', 1500],
        ]),
        () => false,
      ),
    ).toBe('pods=2,requests.cpu=1500m');
  });
});

describe('quota usage', () => {
  it('counts a pod: requests, limits, init containers and overhead; nothing but count/pods once it finished', () => {
    const p = pod({
      containers: [
        { name: 'a', image: 'i', resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m' } } },
        { name: 'b', image: 'i', resources: { requests: { cpu: '250m' } } },
      ],
      initContainers: [{ name: 'init', image: 'i', resources: { requests: { cpu: '1' } } }],
      overhead: { cpu: '100m' },
    });
    const usage = usageOf(PODS, p);
    expect(Object.fromEntries(usage)).toMatchObject({
      'count/pods': 1000,
      pods: 1000,
      cpu: 1100,
      'requests.cpu': 1100,
      'requests.memory': toMilli('64Mi'),
      'limits.cpu': 600,
    });
    expect(Object.fromEntries(usageOf(PODS, { ...p, status: { phase: 'Succeeded' } }))).toEqual({ 'count/pods': 1000 });
    expect(Object.fromEntries(usageOf(DEPLOYMENTS, {}))).toEqual({ 'count/deployments.apps': 1000 });
    expect(countedResource('count/deployments.apps')).toBe(DEPLOYMENTS);
    expect(countedResource('requests.cpu')).toBeUndefined();
  });

  it('names the containers that leave a tracked cpu or memory unset', () => {
    const p = pod({
      containers: [
        { name: 'b', image: 'i' },
        { name: 'a', image: 'i', resources: { requests: { cpu: '1' } } },
      ],
    });
    expect(missingSpecifications(PODS, p, ['pods', 'requests.cpu', 'limits.memory'])).toBe(
      'must specify limits.memory for: a,b; requests.cpu for: b',
    );
    expect(missingSpecifications(PODS, p, ['pods'])).toBeUndefined();
  });
});

describe('pod security', () => {
  it('baseline names every container and value, in upstream order', () => {
    const p = pod({
      hostPID: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      containers: [
        { name: 'a', image: 'i', securityContext: { privileged: true }, ports: [{ containerPort: 80, hostPort: 80 }] },
        { name: 'b', image: 'i', securityContext: { privileged: true }, ports: [{ containerPort: 81, hostPort: 81 }] },
      ],
    });
    expect(podSecurityViolations(p, 'baseline')).toEqual([
      'host namespaces (hostPID=true)',
      'hostPath volumes (volume "root")',
      'hostPort (containers "a", "b" use hostPorts 80, 81)',
      'privileged (containers "a", "b" must not set securityContext.privileged=true)',
    ]);
    expect(podSecurityViolations(p, 'privileged')).toEqual([]);
  });

  it('restricted accepts a pod-level runAsNonRoot and seccomp profile', () => {
    const p = pod({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          image: 'i',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
        },
      ],
    });
    expect(podSecurityViolations(p, 'restricted')).toEqual([]);
  });
});
