/** `skiff capacity`'s output: a short text report, or the report as JSON. */
import { formatBytes, formatMilliCpu } from '@skiff/api';
import type { PodShape } from './shape.js';
import type { CapacityReport } from './simulate.js';

/** The shape as `cpu=500m,memory=1Gi` (only what it requests, plus pods when not 1). */
export function formatShape(shape: PodShape): string {
  const parts: string[] = [];
  if (shape.milliCpu > 0) parts.push(`cpu=${formatMilliCpu(shape.milliCpu)}`);
  if (shape.memoryBytes > 0) parts.push(`memory=${formatBytes(shape.memoryBytes)}`);
  if (shape.ephemeralStorageBytes > 0) parts.push(`ephemeral-storage=${formatBytes(shape.ephemeralStorageBytes)}`);
  if (shape.podSlots !== 1) parts.push(`pods=${shape.podSlots}`);
  return parts.length === 0 ? 'nothing' : parts.join(',');
}

/** The report for people: the answer, then pods per node (at most `maxNodes` rows), then the reason. */
export function formatCapacityText(report: CapacityReport, maxNodes: number): string {
  const shape = formatShape(report.shape);
  const scope =
    Object.keys(report.nodeSelector).length === 0
      ? `${report.totalNodes} node(s)`
      : `${report.candidateNodes} of ${report.totalNodes} node(s) matching ${Object.entries(report.nodeSelector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')}`;
  const lines: string[] = [];
  if (report.count === null) lines.push(`${report.placed} more pod(s) of ${shape} fit on ${scope}.`);
  else if (report.fits === true) lines.push(`All ${report.count} pod(s) of ${shape} fit on ${scope}.`);
  else lines.push(`Only ${report.placed} of ${report.count} pod(s) of ${shape} fit on ${scope}.`);
  if (report.placements.length > 0) {
    const width = Math.max(4, ...report.placements.slice(0, maxNodes).map((p) => p.node.length));
    lines.push('', `${'NODE'.padEnd(width)}  PODS`);
    for (const p of report.placements.slice(0, maxNodes)) lines.push(`${p.node.padEnd(width)}  ${p.pods}`);
    const rest = report.placements.length - maxNodes;
    if (rest > 0) lines.push(`… and ${rest} more node(s)`);
  }
  if (report.reason !== null) lines.push('', `${report.count === null ? 'The next one' : 'The rest'} would not fit: ${report.reason}`);
  if (report.pendingPods > 0) lines.push('', `Note: ${report.pendingPods} pending pod(s) are not counted and may take capacity first.`);
  lines.push('', `(${report.core} scheduler core, ${report.simulationMs.toFixed(1)} ms)`);
  return `${lines.join('\n')}\n`;
}

/** The report as one JSON document. */
export function formatCapacityJson(report: CapacityReport): string {
  return `${JSON.stringify({ ...report, shapeText: formatShape(report.shape) }, null, 2)}\n`;
}
