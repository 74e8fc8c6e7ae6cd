/**
 * The taints a node's state calls for (upstream's doNodeProcessingPassWorker
 * and processTaintBaseEviction):
 * - NoSchedule, written at once: `not-ready` (Ready False), `unreachable`
 *   (Ready Unknown), `memory-pressure`, `disk-pressure`, `pid-pressure` (the
 *   condition True), `unschedulable` (spec.unschedulable);
 * - NoExecute: `not-ready` or `unreachable` by the same rule; these are
 *   rate-limited per zone when added, but swapping one for the other and
 *   removing them when the node is Ready again happen at once.
 */
import type { Node } from '@skiff/api';
import {
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  type Taint,
} from '../shared/taints.js';
import { conditionTrue, readyStatus } from './conditions.js';

export const NOT_READY_NO_EXECUTE: Taint = { key: TAINT_NODE_NOT_READY, effect: 'NoExecute' };
export const UNREACHABLE_NO_EXECUTE: Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' };

const NO_SCHEDULE_KEYS = [
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNSCHEDULABLE,
];

/** The NoSchedule taints the controller manages, and which of them node should have. */
export function noScheduleTaints(node: Node): { want: Taint[]; managed: Taint[] } {
  const ready = readyStatus(node);
  const wanted = new Set<string>();
  if (ready === 'False') wanted.add(TAINT_NODE_NOT_READY);
  if (ready === 'Unknown') wanted.add(TAINT_NODE_UNREACHABLE);
  if (conditionTrue(node, 'MemoryPressure')) wanted.add(TAINT_NODE_MEMORY_PRESSURE);
  if (conditionTrue(node, 'DiskPressure')) wanted.add(TAINT_NODE_DISK_PRESSURE);
  if (conditionTrue(node, 'PIDPressure')) wanted.add(TAINT_NODE_PID_PRESSURE);
  if (node.spec?.unschedulable === true) wanted.add(TAINT_NODE_UNSCHEDULABLE);
  const managed = NO_SCHEDULE_KEYS.map((key): Taint => ({ key, effect: 'NoSchedule' }));
  return { want: managed.filter((t) => wanted.has(t.key)), managed };
}

/** The NoExecute taint node's Ready status calls for and the one it excludes (none when Ready). */
export function noExecuteTaint(node: Node): { want: Taint; opposite: Taint } | undefined {
  const ready = readyStatus(node);
  if (ready === 'True') return undefined;
  return ready === 'False'
    ? { want: NOT_READY_NO_EXECUTE, opposite: UNREACHABLE_NO_EXECUTE }
    : { want: UNREACHABLE_NO_EXECUTE, opposite: NOT_READY_NO_EXECUTE };
}
