/** Turns a container's Kubernetes probe into a poller spec, with upstream's defaults. */
import type { Container } from '@skiff/api';
import type { ProbeSpec } from './contract.js';

/** A container's probe (the API types' core/v1 Probe). */
export type Probe = NonNullable<Container['livenessProbe']>;

/** What a probe needs to know of its container. */
export interface ProbeTarget {
  /** The pod's IP (httpGet and tcpSocket default host, grpc's host). */
  podIP: string;
  /** The container's environment (exec probes run with it). */
  env: Record<string, string>;
  /** The container's cgroup.procs files (exec probes run inside). */
  cgroupProcs: string[];
  /** Named container ports, for a probe whose port is a name. */
  ports: Record<string, number>;
}

/** Upstream's defaults: periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3. */
export function probeThresholds(probe: Probe): { successThreshold: number; failureThreshold: number } {
  return { successThreshold: probe.successThreshold ?? 1, failureThreshold: probe.failureThreshold ?? 3 };
}

function portOf(port: number | string, target: ProbeTarget): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return target.ports[port];
}

/**
 * The poller spec of a probe; `delayMs` is what is left of initialDelaySeconds. Undefined with a reason for
 * what this kubelet cannot run (a port name the container does not declare).
 */
export function pollerSpec(probe: Probe, target: ProbeTarget, delayMs: number): ProbeSpec | { unsupported: string } {
  const timing = {
    initialDelayMs: Math.max(0, delayMs),
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
  };
  if (probe.exec !== undefined) {
    return { ...timing, kind: 'exec', argv: probe.exec.command ?? [], env: target.env, cgroupProcs: target.cgroupProcs };
  }
  if (probe.httpGet !== undefined) {
    const port = portOf(probe.httpGet.port, target);
    if (port === undefined) return { unsupported: `port ${String(probe.httpGet.port)} is not a port of the container` };
    const scheme = probe.httpGet.scheme ?? 'HTTP';
    if (scheme !== 'HTTP' && scheme !== 'HTTPS') return { unsupported: `scheme ${scheme} is not HTTP or HTTPS` };
    const path = probe.httpGet.path ?? '/';
    return {
      ...timing,
      kind: 'http',
      host: probe.httpGet.host ?? target.podIP,
      port,
      path: path.startsWith('/') ? path : `/${path}`,
      headers: (probe.httpGet.httpHeaders ?? []).map((h) => ({ name: h.name, value: h.value })),
      scheme,
    };
  }
  if (probe.tcpSocket !== undefined) {
    const port = portOf(probe.tcpSocket.port, target);
    if (port === undefined) return { unsupported: `port ${String(probe.tcpSocket.port)} is not a port of the container` };
    return { ...timing, kind: 'tcp', host: probe.tcpSocket.host ?? target.podIP, port };
  }
  if (probe.grpc !== undefined) {
    return { ...timing, kind: 'grpc', host: target.podIP, port: probe.grpc.port, service: probe.grpc.service ?? '' };
  }
  return { unsupported: 'the probe has no handler' };
}
