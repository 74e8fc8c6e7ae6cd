import type { ResourceDescriptor } from '@skiff/api';
import { eventStrategy } from './events.js';
import { namespaceStrategy } from './namespaces.js';
import { nodeStrategy } from './nodes.js';
import { podStrategy } from './pods.js';
import type { ResourceStrategy } from './strategy.js';

/** Every resource's strategy, by `<group>/<resource>`. */
const STRATEGIES = new Map<string, ResourceStrategy>(
  [podStrategy, nodeStrategy, namespaceStrategy, eventStrategy].map((s) => [`${s.desc.group}/${s.desc.resource}`, s]),
);

/** The strategy of a served resource. */
export function strategyFor(desc: ResourceDescriptor): ResourceStrategy | undefined {
  return STRATEGIES.get(`${desc.group}/${desc.resource}`);
}

export { podStrategy, nodeStrategy, namespaceStrategy, eventStrategy, qosClassOf };
export type { ResourceStrategy };
import { qosClass as qosClassOf } from './pods.js';
