/**
 * batch/v1 tables: Job and CronJob (`kubectl create job|cronjob`). Not
 * covered (skipped with a warning): podFailurePolicy and successPolicy.
 */
import { message } from '../schema.js';
import { Time } from './machinery.js';
import { LabelSelector, ObjectMeta } from './meta.js';
import { ObjectReference } from './core.js';
import { PodTemplateSpec } from './pod.js';

export const JobSpec = message('JobSpec', [
  [1, 'parallelism', 'int32', 'pointer'],
  [2, 'completions', 'int32', 'pointer'],
  [3, 'activeDeadlineSeconds', 'int64', 'pointer'],
  [7, 'backoffLimit', 'int32', 'pointer'],
  [12, 'backoffLimitPerIndex', 'int32', 'pointer'],
  [13, 'maxFailedIndexes', 'int32', 'pointer'],
  [4, 'selector', LabelSelector, 'pointer'],
  [5, 'manualSelector', 'bool', 'pointer'],
  [6, 'template', PodTemplateSpec],
  [8, 'ttlSecondsAfterFinished', 'int32', 'pointer'],
  [9, 'completionMode', 'string', 'pointer'],
  [10, 'suspend', 'bool', 'pointer'],
  [14, 'podReplacementPolicy', 'string', 'pointer'],
  [15, 'managedBy', 'string', 'pointer'],
]);

export const JobCondition = message('JobCondition', [
  [1, 'type', 'string', '!'],
  [2, 'status', 'string', '!'],
  [3, 'lastProbeTime', Time],
  [4, 'lastTransitionTime', Time],
  [5, 'reason', 'string'],
  [6, 'message', 'string'],
]);

export const UncountedTerminatedPods = message('UncountedTerminatedPods', [
  [1, 'succeeded', 'string', 'list'],
  [2, 'failed', 'string', 'list'],
]);

export const JobStatus = message('JobStatus', [
  [1, 'conditions', JobCondition, 'list'],
  [2, 'startTime', Time, 'pointer'],
  [3, 'completionTime', Time, 'pointer'],
  [4, 'active', 'int32'],
  [5, 'succeeded', 'int32'],
  [6, 'failed', 'int32'],
  [11, 'terminating', 'int32', 'pointer'],
  [7, 'completedIndexes', 'string'],
  [10, 'failedIndexes', 'string', 'pointer'],
  [8, 'uncountedTerminatedPods', UncountedTerminatedPods, 'pointer'],
  [9, 'ready', 'int32', 'pointer'],
]);

export const Job = message('Job', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', JobSpec],
  [3, 'status', JobStatus],
]);

export const JobTemplateSpec = message('JobTemplateSpec', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', JobSpec],
]);

export const CronJobSpec = message('CronJobSpec', [
  [1, 'schedule', 'string', '!'],
  [8, 'timeZone', 'string', 'pointer'],
  [2, 'startingDeadlineSeconds', 'int64', 'pointer'],
  [3, 'concurrencyPolicy', 'string'],
  [4, 'suspend', 'bool', 'pointer'],
  [5, 'jobTemplate', JobTemplateSpec],
  [6, 'successfulJobsHistoryLimit', 'int32', 'pointer'],
  [7, 'failedJobsHistoryLimit', 'int32', 'pointer'],
]);

export const CronJobStatus = message('CronJobStatus', [
  [1, 'active', ObjectReference, 'list'],
  [4, 'lastScheduleTime', Time, 'pointer'],
  [5, 'lastSuccessfulTime', Time, 'pointer'],
]);

export const CronJob = message('CronJob', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', CronJobSpec],
  [3, 'status', CronJobStatus],
]);
