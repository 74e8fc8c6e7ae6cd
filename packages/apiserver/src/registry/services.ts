/** Services (with cluster IP allocation) and ServiceAccounts. */
import { SERVICEACCOUNTS, SERVICES, type KubeObject, type Service, type ServiceAccount, type StatusCause } from '@skiff/api';
import { namedPrinter, simpleStrategy } from './simple.js';
import { cause, type AdmissionContext } from './strategy.js';

/** The service cluster IP range, Kubernetes' default 10.96.0.0/12. */
export const SERVICE_CIDR = { base: (10 << 24) | (96 << 16), size: 1 << 20 };

function ipString(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Picks a free cluster IP (the first, .1, is reserved for the `kubernetes` service as upstream). */
export function allocateClusterIP(used: ReadonlySet<string>): string {
  for (let attempt = 0; attempt < 64; attempt++) {
    const ip = ipString(SERVICE_CIDR.base + 2 + Math.floor(Math.random() * (SERVICE_CIDR.size - 3)));
    if (!used.has(ip)) return ip;
  }
  for (let i = 2; i < SERVICE_CIDR.size - 1; i++) {
    const ip = ipString(SERVICE_CIDR.base + i);
    if (!used.has(ip)) return ip;
  }
  throw new Error('the service cluster IP range is full');
}

function admitService(object: KubeObject, ctx: AdmissionContext): void {
  const svc = object as Service;
  const spec = svc.spec ?? {};
  if (spec.type === 'ExternalName' || spec.clusterIP === 'None') return;
  if (spec.clusterIP !== undefined && spec.clusterIP !== '') return;
  const used = new Set(ctx.list(SERVICES).map((s) => (s as Service).spec?.clusterIP ?? ''));
  spec.clusterIP = allocateClusterIP(used);
  spec.clusterIPs = [spec.clusterIP];
}

function validateService(object: KubeObject, previous: KubeObject | undefined): StatusCause[] {
  const svc = object as Service;
  const causes: StatusCause[] = [];
  const type = svc.spec?.type ?? 'ClusterIP';
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
    causes.push(
      cause(
        'FieldValueNotSupported',
        'spec.type',
        `Unsupported value: "${type}": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
      ),
    );
  }
  if (type !== 'ExternalName' && svc.spec?.clusterIP !== 'None' && (svc.spec?.ports ?? []).length === 0) {
    causes.push(cause('FieldValueRequired', 'spec.ports', 'Required value'));
  }
  (svc.spec?.ports ?? []).forEach((p, i) => {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      causes.push(
        cause(
          'FieldValueInvalid',
          `spec.ports[${i}].port`,
          `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive`,
        ),
      );
    }
  });
  const prevIP = (previous as Service | undefined)?.spec?.clusterIP;
  if (previous !== undefined && prevIP !== undefined && prevIP !== '' && svc.spec?.clusterIP !== prevIP) {
    causes.push(cause('FieldValueInvalid', 'spec.clusterIP', `Invalid value: "${svc.spec?.clusterIP ?? ''}": field is immutable`));
  }
  return causes;
}

function portsCell(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort === undefined ? '' : `:${p.nodePort}`}/${p.protocol ?? 'TCP'}`).join(',');
}

export const serviceStrategy = simpleStrategy(SERVICES, {
  nameRule: 'label',
  defaults(object) {
    const svc = object as Service;
    svc.spec ??= {};
    svc.spec.type ??= 'ClusterIP';
    svc.spec.sessionAffinity ??= 'None';
    svc.spec.ipFamilies ??= ['IPv4'];
    svc.spec.ipFamilyPolicy ??= 'SingleStack';
    svc.spec.internalTrafficPolicy ??= 'Cluster';
    for (const p of svc.spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
    svc.status ??= { loadBalancer: {} };
  },
  admit: admitService,
  validate: validateService,
  printer: namedPrinter([
    { name: 'Type', cell: (o) => (o as Service).spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', cell: (o) => (o as Service).spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', cell: (o) => ((o as Service).spec?.externalIPs ?? []).join(',') || '<none>' },
    { name: 'Port(s)', cell: (o) => portsCell(o as Service) },
    {
      name: 'Selector',
      priority: 1,
      cell: (o) =>
        Object.entries((o as Service).spec?.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>',
    },
  ]),
});

export const serviceAccountStrategy = simpleStrategy(SERVICEACCOUNTS, {
  printer: namedPrinter([{ name: 'Secrets', cell: (o) => ((o as ServiceAccount).secrets ?? []).length }]),
});
