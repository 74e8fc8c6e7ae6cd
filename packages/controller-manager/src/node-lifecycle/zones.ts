/**
 * Zones and their disruption states (upstream's handleDisruption):
 * - a node's zone is its `topology.kubernetes.io/region` and `zone` labels
 *   (upstream's GetZoneKey; nodes without them share the zone "");
 * - FullDisruption: no node of the zone is Ready; PartialDisruption: more
 *   than 2 nodes are not Ready and they are at least unhealthyZoneThreshold of
 *   the zone; else Normal;
 * - the rate at which a zone's nodes get NoExecute taints: Normal and
 *   FullDisruption (other zones are up: the zone is gone) evictionRate;
 *   PartialDisruption secondaryEvictionRate, or 0 in a zone of at most
 *   largeClusterThreshold nodes; and 0 everywhere when every zone is fully
 *   disrupted (the controller itself is probably cut off), which also lifts
 *   the NoExecute taints.
 */
import type { Node } from '@skiff/api';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

export interface EvictionRates {
  /** Nodes per second (upstream's --node-eviction-rate, default 0.1). */
  evictionRate: number;
  /** Nodes per second in a partially disrupted large zone (--secondary-node-eviction-rate, default 0.01). */
  secondaryEvictionRate: number;
  /** Fraction of not-Ready nodes that makes a zone partially disrupted (--unhealthy-zone-threshold, default 0.55). */
  unhealthyZoneThreshold: number;
  /** Zones of at most this many nodes stop evicting when partially disrupted (--large-cluster-size-threshold, default 50). */
  largeClusterThreshold: number;
}

export const DEFAULT_EVICTION_RATES: Readonly<EvictionRates> = {
  evictionRate: 0.1,
  secondaryEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterThreshold: 50,
};

/** The zone key of a node ("" without topology labels). */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels[REGION_LABEL] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels[ZONE_LABEL] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\x00:${zone}`;
}

/** The state of a zone with this many Ready and not-Ready nodes. */
export function zoneState(ready: number, notReady: number, unhealthyZoneThreshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (ready + notReady) >= unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** Nodes per second a zone in state may be tainted at (before the "every zone down" rule). */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, rates: EvictionRates): number {
  if (state === 'PartialDisruption') return zoneSize > rates.largeClusterThreshold ? rates.secondaryEvictionRate : 0;
  return rates.evictionRate;
}
