/** core/v1 tables for the kinds kubectl's generators create: ConfigMap, Secret, Service, ServiceAccount, Namespace, ResourceQuota. */
import { message } from '../schema.js';
import { IntOrString, Quantity, Time } from './machinery.js';
import { Condition, ObjectMeta } from './meta.js';
import { LocalObjectReference } from './pod.js';

export const ConfigMap = message('ConfigMap', [
  [1, 'metadata', ObjectMeta],
  [4, 'immutable', 'bool', 'pointer'],
  [2, 'data', 'string', 'map'],
  [3, 'binaryData', 'bytes', 'map'],
]);

export const Secret = message('Secret', [
  [1, 'metadata', ObjectMeta],
  [5, 'immutable', 'bool', 'pointer'],
  [2, 'data', 'bytes', 'map'],
  [4, 'stringData', 'string', 'map'],
  [3, 'type', 'string'],
]);

export const ServicePort = message('ServicePort', [
  [1, 'name', 'string'],
  [2, 'protocol', 'string'],
  [6, 'appProtocol', 'string', 'pointer'],
  [3, 'port', 'int32', '!'],
  [4, 'targetPort', IntOrString],
  [5, 'nodePort', 'int32'],
]);

export const ClientIPConfig = message('ClientIPConfig', [[1, 'timeoutSeconds', 'int32', 'pointer']]);

export const SessionAffinityConfig = message('SessionAffinityConfig', [[1, 'clientIP', ClientIPConfig, 'pointer']]);

export const ServiceSpec = message('ServiceSpec', [
  [1, 'ports', ServicePort, 'list'],
  [2, 'selector', 'string', 'map'],
  [3, 'clusterIP', 'string'],
  [18, 'clusterIPs', 'string', 'list'],
  [4, 'type', 'string'],
  [5, 'externalIPs', 'string', 'list'],
  [7, 'sessionAffinity', 'string'],
  [8, 'loadBalancerIP', 'string'],
  [9, 'loadBalancerSourceRanges', 'string', 'list'],
  [10, 'externalName', 'string'],
  [11, 'externalTrafficPolicy', 'string'],
  [12, 'healthCheckNodePort', 'int32'],
  [13, 'publishNotReadyAddresses', 'bool'],
  [14, 'sessionAffinityConfig', SessionAffinityConfig, 'pointer'],
  [19, 'ipFamilies', 'string', 'list'],
  [17, 'ipFamilyPolicy', 'string', 'pointer'],
  [20, 'allocateLoadBalancerNodePorts', 'bool', 'pointer'],
  [21, 'loadBalancerClass', 'string', 'pointer'],
  [22, 'internalTrafficPolicy', 'string', 'pointer'],
  [23, 'trafficDistribution', 'string', 'pointer'],
]);

export const PortStatus = message('PortStatus', [
  [1, 'port', 'int32', '!'],
  [2, 'protocol', 'string', '!'],
  [3, 'error', 'string', 'pointer'],
]);

export const LoadBalancerIngress = message('LoadBalancerIngress', [
  [1, 'ip', 'string'],
  [2, 'hostname', 'string'],
  [3, 'ipMode', 'string', 'pointer'],
  [4, 'ports', PortStatus, 'list'],
]);

export const LoadBalancerStatus = message('LoadBalancerStatus', [[1, 'ingress', LoadBalancerIngress, 'list']]);

export const ServiceStatus = message('ServiceStatus', [
  [1, 'loadBalancer', LoadBalancerStatus],
  [2, 'conditions', Condition, 'list'],
]);

export const Service = message('Service', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', ServiceSpec],
  [3, 'status', ServiceStatus],
]);

export const ObjectReference = message('ObjectReference', [
  [1, 'kind', 'string'],
  [2, 'namespace', 'string'],
  [3, 'name', 'string'],
  [4, 'uid', 'string'],
  [5, 'apiVersion', 'string'],
  [6, 'resourceVersion', 'string'],
  [7, 'fieldPath', 'string'],
]);

export const ServiceAccount = message('ServiceAccount', [
  [1, 'metadata', ObjectMeta],
  [2, 'secrets', ObjectReference, 'list'],
  [3, 'imagePullSecrets', LocalObjectReference, 'list'],
  [4, 'automountServiceAccountToken', 'bool', 'pointer'],
]);

export const NamespaceSpec = message('NamespaceSpec', [[1, 'finalizers', 'string', 'list']]);

export const NamespaceCondition = message('NamespaceCondition', [
  [1, 'type', 'string', '!'],
  [2, 'status', 'string', '!'],
  [4, 'lastTransitionTime', Time],
  [5, 'reason', 'string'],
  [6, 'message', 'string'],
]);

export const NamespaceStatus = message('NamespaceStatus', [
  [1, 'phase', 'string'],
  [2, 'conditions', NamespaceCondition, 'list'],
]);

export const Namespace = message('Namespace', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', NamespaceSpec],
  [3, 'status', NamespaceStatus],
]);

export const ScopedResourceSelectorRequirement = message('ScopedResourceSelectorRequirement', [
  [1, 'scopeName', 'string', '!'],
  [2, 'operator', 'string', '!'],
  [3, 'values', 'string', 'list'],
]);

export const ScopeSelector = message('ScopeSelector', [[1, 'matchExpressions', ScopedResourceSelectorRequirement, 'list']]);

export const ResourceQuotaSpec = message('ResourceQuotaSpec', [
  [1, 'hard', Quantity, 'map'],
  [2, 'scopes', 'string', 'list'],
  [3, 'scopeSelector', ScopeSelector, 'pointer'],
]);

export const ResourceQuotaStatus = message('ResourceQuotaStatus', [
  [1, 'hard', Quantity, 'map'],
  [2, 'used', Quantity, 'map'],
]);

export const ResourceQuota = message('ResourceQuota', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', ResourceQuotaSpec],
  [3, 'status', ResourceQuotaStatus],
]);
