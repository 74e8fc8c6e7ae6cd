export { DaemonSetController } from './daemonset-controller.js';
export type { DaemonSetControllerOptions } from './daemonset-controller.js';
export { newDaemonPod, nodeShouldRunDaemonPod, withDaemonTolerations, DAEMON_POD_TOLERATIONS } from './daemon-pod.js';
export { CONTROLLER_REVISION_HASH_LABEL, POD_TEMPLATE_GENERATION_LABEL } from './daemon-pod.js';
export { planDaemonSet, maxUnavailableNodes } from './plan.js';
export type { DaemonSetPlan } from './plan.js';
export { calculateDaemonSetStatus } from './status.js';
export { podFitsNodeAffinity, withNodeNameAffinity } from './node-affinity.js';
