import type { ResourceDescriptor } from '@skiff/api';
import { daemonSetStrategy, deploymentStrategy, replicaSetStrategy } from './apps.js';
import { leaseStrategy, limitRangeStrategy, priorityClassStrategy, rbacStrategies, resourceQuotaStrategy } from './cluster.js';
import { configMapStrategy, secretStrategy } from './config.js';
import { eventStrategy } from './events.js';
import { namespaceStrategy } from './namespaces.js';
import { nodeStrategy } from './nodes.js';
import { podStrategy, qosClass } from './pods.js';
import { serviceAccountStrategy, serviceStrategy } from './services.js';
import type { ResourceStrategy } from './strategy.js';

/** Every resource's strategy, by `<group>/<resource>`. */
const STRATEGIES = new Map<string, ResourceStrategy>(
  [
    podStrategy,
    nodeStrategy,
    namespaceStrategy,
    eventStrategy,
    configMapStrategy,
    secretStrategy,
    serviceStrategy,
    serviceAccountStrategy,
    resourceQuotaStrategy,
    limitRangeStrategy,
    deploymentStrategy,
    replicaSetStrategy,
    daemonSetStrategy,
    leaseStrategy,
    priorityClassStrategy,
    ...rbacStrategies,
  ].map((s) => [`${s.desc.group}/${s.desc.resource}`, s]),
);

/** The strategy of a served resource. */
export function strategyFor(desc: ResourceDescriptor): ResourceStrategy | undefined {
  return STRATEGIES.get(`${desc.group}/${desc.resource}`);
}

export { podStrategy, nodeStrategy, namespaceStrategy, eventStrategy, qosClass };
export type { ResourceStrategy };
