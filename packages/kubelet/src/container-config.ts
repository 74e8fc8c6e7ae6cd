/** Turns a pod's container spec into the runtime's ContainerConfig. */
import { bytes, milliCpu, type Container, type Pod } from '@skiff/api';
import { ContainerConfigError, type ContainerConfig } from './runtime/index.js';

export { ContainerConfigError };

/** `$(VAR)` references in command and args, expanded from the container's env as Kubernetes does. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m: string, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && env[name] !== undefined ? env[name] : m;
  });
}

export function containerConfig(pod: Pod, container: Container): ContainerConfig {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandVars(e.value, env);
    else if (e.valueFrom?.fieldRef !== undefined) {
      const path = e.valueFrom.fieldRef.fieldPath;
      const meta = pod.metadata ?? {};
      const value =
        path === 'metadata.name'
          ? meta.name
          : path === 'metadata.namespace'
            ? meta.namespace
            : path === 'metadata.uid'
              ? meta.uid
              : path === 'spec.nodeName'
                ? pod.spec?.nodeName
                : undefined;
      if (value !== undefined) env[e.name] = value;
    }
  }
  const command = container.command?.map((a) => expandVars(a, env));
  const args = container.args?.map((a) => expandVars(a, env));
  // Args alone run as the command, as they do for an image without an entrypoint (`kubectl run x -- cmd`).
  const argv = [...(command ?? []), ...(args ?? [])];
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const config: ContainerConfig = {
    podUid: pod.metadata?.uid ?? '',
    podNamespace: pod.metadata?.namespace ?? '',
    podName: pod.metadata?.name ?? '',
    containerName: container.name,
    argv,
    ...(command === undefined ? {} : { command }),
    ...(args === undefined ? {} : { args }),
    env,
    limits: {
      ...(limits['cpu'] === undefined ? {} : { cpuLimitMilli: milliCpu(limits['cpu']) }),
      ...(requests['cpu'] === undefined ? {} : { cpuRequestMilli: milliCpu(requests['cpu']) }),
      ...(limits['memory'] === undefined ? {} : { memoryLimitBytes: bytes(limits['memory']) }),
    },
  };
  if (container.image !== undefined && container.image !== '') config.image = container.image;
  if (container.workingDir !== undefined && container.workingDir !== '') config.workingDir = container.workingDir;
  return config;
}
