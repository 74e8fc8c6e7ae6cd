/**
 * The kubelet's prober manager, with upstream's semantics on top of a ProbePoller (which owns timing and I/O):
 * - per running container (tracked by container id: a restarted container starts over), its startup, liveness
 *   and readiness probes; a startup probe holds the other two back until it succeeds;
 * - thresholds per ProbeState; initialDelaySeconds counts from the container's start;
 * - every failed run: an `Unhealthy` event (`<Type> probe failed: <output>`); a liveness or startup verdict
 *   of failure: onRestartNeeded (the kubelet kills the container; restartPolicy decides what follows) and
 *   the container's probes stop until a new container id shows up;
 * - readiness and startup verdict changes: onChange (the kubelet resyncs the pod's status); a container
 *   without a readiness probe is ready once running (and started, when it has no startup probe);
 * - metrics prober_probe_total and prober_probe_duration_seconds; a `readiness probe` span in the pod's trace
 *   when a readiness probe turns the container ready.
 */
import type { Container, Pod } from '@skiff/api';
import { contextOfObject, tracer, type Logger } from '@skiff/telemetry';
import type { PollerBatch, ProbePoller, ProbePollerKind } from './contract.js';
import { createProbePoller } from './create.js';
import type { ProberMetrics } from './metrics.js';
import { ProbeState, type ProbeType } from './probe-state.js';
import { pollerSpec, probeThresholds, type Probe, type ProbeTarget } from './probe-spec.js';

export interface ProberEvents {
  /** A readiness or startup verdict changed: the pod's status must be recomputed. */
  onChange(podUid: string): void;
  /** A probe run failed (upstream records an Unhealthy event for each). */
  onUnhealthy(pod: Pod, containerName: string, type: ProbeType, output: string): void;
  /** A liveness or startup probe reached failureThreshold: the container must be killed. */
  onRestartNeeded(pod: Pod, containerName: string, containerId: string, type: ProbeType, output: string): void;
}

export interface ProberManagerOptions {
  poller: ProbePollerKind;
  metrics: ProberMetrics;
  events: ProberEvents;
  logger: Logger;
}

interface Tracked {
  key: string;
  containerId: string;
  pod: Pod;
  container: Container;
  startedAt: number;
  target: ProbeTarget;
  started: boolean;
  /** Set once a liveness/startup failure asked for a restart: nothing more is probed for this container id. */
  held: boolean;
  states: Map<ProbeType, ProbeState>;
}

const PROBE_FIELDS: Readonly<Record<ProbeType, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>> = {
  Liveness: 'livenessProbe',
  Readiness: 'readinessProbe',
  Startup: 'startupProbe',
};
const proberTracer = tracer('kubelet');

export class ProberManager {
  private readonly poller: ProbePoller;
  private readonly tracked = new Map<string, Tracked>();

  constructor(private readonly options: ProberManagerOptions) {
    this.poller = createProbePoller(options.poller, { onResults: (b) => this.onResults(b) });
  }

  /** Starts probing a running container (once per container id; a new id replaces the old probes). */
  ensure(pod: Pod, container: Container, containerId: string, startedAt: Date, target: ProbeTarget): void {
    const key = `${pod.metadata?.uid ?? ''}/${container.name}`;
    const existing = this.tracked.get(key);
    if (existing !== undefined && existing.containerId === containerId) {
      existing.pod = pod;
      return;
    }
    this.forget(pod.metadata?.uid ?? '', container.name);
    const t: Tracked = {
      key,
      containerId,
      pod,
      container,
      startedAt: startedAt.getTime(),
      target,
      started: container.startupProbe === undefined,
      held: false,
      states: new Map(),
    };
    this.tracked.set(key, t);
    if (t.started) this.startMain(t);
    else this.add(t, 'Startup');
  }

  /** Stops the probes of one container. */
  forget(podUid: string, containerName: string): void {
    const key = `${podUid}/${containerName}`;
    const t = this.tracked.get(key);
    if (t === undefined) return;
    for (const type of t.states.keys()) this.poller.remove(`${key}/${type}`);
    this.tracked.delete(key);
  }

  forgetPod(podUid: string): void {
    for (const t of [...this.tracked.values()]) if (t.key.startsWith(`${podUid}/`)) this.forget(podUid, t.container.name);
  }

  /** Whether the container with this id counts as ready: readiness verdict success, or no readiness probe. */
  isReady(podUid: string, container: Container, containerId: string): boolean {
    const t = this.tracked.get(`${podUid}/${container.name}`);
    if (t === undefined || t.containerId !== containerId)
      return container.readinessProbe === undefined && container.startupProbe === undefined;
    if (!t.started || t.held) return false;
    return container.readinessProbe === undefined || t.states.get('Readiness')?.verdict === 'success';
  }

  /** Whether the container's startup probe (if any) has succeeded. */
  isStarted(podUid: string, container: Container, containerId: string): boolean {
    const t = this.tracked.get(`${podUid}/${container.name}`);
    if (t === undefined || t.containerId !== containerId) return container.startupProbe === undefined;
    return t.started;
  }

  async close(): Promise<void> {
    this.tracked.clear();
    await this.poller.close();
  }

  private startMain(t: Tracked): void {
    this.add(t, 'Liveness');
    this.add(t, 'Readiness');
  }

  private add(t: Tracked, type: ProbeType): void {
    const probe: Probe | undefined = t.container[PROBE_FIELDS[type]];
    if (probe === undefined) return;
    const delayMs = (probe.initialDelaySeconds ?? 0) * 1000 - (Date.now() - t.startedAt);
    const spec = pollerSpec(probe, t.target, delayMs);
    if ('unsupported' in spec) {
      this.options.logger.warn({ pod: t.pod.metadata?.name, container: t.container.name, type }, `probe ignored: ${spec.unsupported}`);
      return;
    }
    const { successThreshold, failureThreshold } = probeThresholds(probe);
    t.states.set(type, new ProbeState(type, type === 'Readiness' ? successThreshold : 1, failureThreshold));
    try {
      this.poller.set(`${t.key}/${type}`, spec);
    } catch (err) {
      t.states.delete(type);
      this.options.logger.warn({ err, pod: t.pod.metadata?.name, container: t.container.name, type }, 'probe ignored');
    }
  }

  private onResults(batch: PollerBatch): void {
    for (const r of batch.probes) {
      const cut = r.id.lastIndexOf('/');
      const t = this.tracked.get(r.id.slice(0, cut));
      const type = r.id.slice(cut + 1) as ProbeType;
      const state = t?.states.get(type);
      if (t === undefined || state === undefined || t.held) continue;
      const labels = {
        probe_type: type,
        container: t.container.name,
        pod: t.pod.metadata?.name ?? '',
        namespace: t.pod.metadata?.namespace ?? '',
      };
      const ok = r.result === 'success';
      this.options.metrics.total.inc({ ...labels, result: ok ? 'successful' : 'failed' });
      this.options.metrics.duration.observe(labels, r.durationMs / 1000);
      if (!ok) this.options.events.onUnhealthy(t.pod, t.container.name, type, r.output);
      if (!state.record(ok)) continue;
      this.onVerdict(t, type, state, r.output, r.durationMs);
    }
  }

  private onVerdict(t: Tracked, type: ProbeType, state: ProbeState, output: string, durationMs: number): void {
    const uid = t.pod.metadata?.uid ?? '';
    if (state.verdict === 'failure' && type !== 'Readiness') {
      t.held = true;
      for (const probeType of t.states.keys()) this.poller.remove(`${t.key}/${probeType}`);
      this.options.events.onRestartNeeded(t.pod, t.container.name, t.containerId, type, output);
      return;
    }
    if (type === 'Startup' && state.verdict === 'success') {
      t.started = true;
      this.poller.remove(`${t.key}/Startup`);
      this.startMain(t);
    }
    if (type === 'Readiness' && state.verdict === 'success') this.traceReady(t, durationMs);
    this.options.events.onChange(uid);
  }

  /** A span in the pod's trace for the probe run that made the container ready. */
  private traceReady(t: Tracked, durationMs: number): void {
    const span = proberTracer.startSpan(
      'readiness probe',
      {
        startTime: Date.now() - durationMs,
        attributes: {
          'k8s.pod.name': t.pod.metadata?.name ?? '',
          'k8s.pod.uid': t.pod.metadata?.uid ?? '',
          'k8s.namespace.name': t.pod.metadata?.namespace ?? '',
          'k8s.container.name': t.container.name,
          'k8s.node.name': t.pod.spec?.nodeName ?? '',
        },
      },
      contextOfObject(t.pod),
    );
    span.addEvent('container ready');
    span.end();
  }
}
