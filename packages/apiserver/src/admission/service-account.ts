/**
 * ServiceAccount (mutating): a pod without `spec.serviceAccountName` runs as
 * the namespace's `default` ServiceAccount; and, when the apiserver issues
 * ServiceAccount tokens, each pod gets upstream's `kube-api-access-<suffix>`
 * projected volume (a bound token from the TokenRequest API, the cluster CA
 * from the `kube-root-ca.crt` ConfigMap, the namespace) mounted read-only at
 * `/var/run/secrets/kubernetes.io/serviceaccount` in every container, unless
 * the pod or its ServiceAccount sets `automountServiceAccountToken: false`, a
 * container already mounts that path, or the pod is a mirror pod.
 */
import { randomBytes } from 'node:crypto';
import { objectKey, SERVICEACCOUNTS, type Container, type Pod, type ServiceAccount, type Volume } from '@skiff/api';
import type { WatchCache } from '../storage/watch-cache.js';
import { isPodWrite } from './forbidden.js';
import type { AdmissionAttributes, MutatingPlugin } from './types.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** Upstream's token lifetime for the projected volume (an hour and a few seconds, so it can be told apart). */
const TOKEN_EXPIRATION_SECONDS = 3607;
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Upstream's 5-character random suffix (no vowels, no confusable digits). */
function suffix(): string {
  return [...randomBytes(5)].map((b) => SUFFIX_ALPHABET[b % SUFFIX_ALPHABET.length] ?? 'b').join('');
}

/** The projected volume upstream's admission adds. */
export function apiAccessVolume(): Volume {
  return {
    name: `kube-api-access-${suffix()}`,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

export interface ServiceAccountAdmissionOptions {
  /** Add the token volume (the apiserver can issue tokens). */
  mountTokens: boolean;
  /** Where the ServiceAccount's own `automountServiceAccountToken` is read. */
  cache?: WatchCache;
}

export class ServiceAccountAdmission implements MutatingPlugin {
  readonly name = 'ServiceAccount';

  constructor(private readonly options: ServiceAccountAdmissionOptions = { mountTokens: false }) {}

  handles(a: AdmissionAttributes): boolean {
    return a.operation === 'CREATE' && isPodWrite(a);
  }

  admit(a: AdmissionAttributes): void {
    const pod = a.object as Pod;
    const spec = pod.spec;
    if (spec === undefined) return;
    if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
    if (spec.serviceAccountName === undefined || spec.serviceAccountName === '') spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
    if (!this.options.mountTokens || !this.automounts(pod, a.namespace)) return;
    const containers: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
    if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH))) return;
    const volume = apiAccessVolume();
    spec.volumes = [...(spec.volumes ?? []), volume];
    for (const c of containers) {
      c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    }
  }

  /** The pod's setting wins; else its ServiceAccount's; else true. */
  private automounts(pod: Pod, namespace: string): boolean {
    const own = pod.spec?.automountServiceAccountToken;
    if (own !== undefined) return own;
    const account = this.options.cache?.get(objectKey(SERVICEACCOUNTS, namespace, pod.spec?.serviceAccountName ?? ''))?.object as
      ServiceAccount | undefined;
    return account?.automountServiceAccountToken !== false;
  }
}
