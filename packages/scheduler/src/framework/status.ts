/**
 * The closed set of outcomes a plugin returns, as kube-scheduler's `framework.Code`. `null`
 * stands for Success wherever a plugin returns `Status | null`, so the common case allocates
 * nothing.
 */

/** Every status code; the strings are the `status` label values of the framework metrics. */
export const Code = {
  Success: 'Success',
  Error: 'Error',
  /** The node does not fit now; preemption or a cluster event may change that. */
  Unschedulable: 'Unschedulable',
  /** The node does not fit and preempting pods on it would not help. */
  UnschedulableAndUnresolvable: 'UnschedulableAndUnresolvable',
  /** Permit only: hold the pod until another party allows or rejects it. */
  Wait: 'Wait',
  /** PreFilter/PreScore only: this plugin has nothing to do for the pod; skip its Filter/Score. */
  Skip: 'Skip',
} as const;

/** One of {@link Code}'s values. */
export type StatusCode = (typeof Code)[keyof typeof Code];

/** A plugin's verdict with the human-readable reasons kube-scheduler prints. */
export interface Status {
  readonly code: StatusCode;
  /** Reason strings, each counted separately in the "0/N nodes are available" message. */
  readonly reasons: readonly string[];
  /** The plugin that returned it (set by the framework). */
  plugin?: string;
}

/** A status with the given code and reasons. */
export function status(code: StatusCode, ...reasons: string[]): Status {
  return { code, reasons };
}

/** The status value of a plugin's `Status | null` result. */
export function codeOf(result: Status | null): StatusCode {
  return result === null ? Code.Success : result.code;
}

/** True for Unschedulable and UnschedulableAndUnresolvable. */
export function isRejection(result: Status | null): boolean {
  return result !== null && (result.code === Code.Unschedulable || result.code === Code.UnschedulableAndUnresolvable);
}

/** The shared Skip status (reasons empty). */
export const SKIP: Status = Object.freeze({ code: Code.Skip, reasons: Object.freeze([]) });
