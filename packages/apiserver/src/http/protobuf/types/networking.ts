/** networking.k8s.io/v1 table: Ingress (`kubectl create ingress`). */
import { message } from '../schema.js';
import { ObjectMeta } from './meta.js';

export const ServiceBackendPort = message('ServiceBackendPort', [
  [1, 'name', 'string'],
  [2, 'number', 'int32'],
]);

export const IngressServiceBackend = message('IngressServiceBackend', [
  [1, 'name', 'string', '!'],
  [2, 'port', ServiceBackendPort],
]);

export const TypedLocalObjectReference = message('TypedLocalObjectReference', [
  [1, 'apiGroup', 'string', 'pointer!'],
  [2, 'kind', 'string', '!'],
  [3, 'name', 'string', '!'],
]);

export const IngressBackend = message('IngressBackend', [
  [4, 'service', IngressServiceBackend, 'pointer'],
  [3, 'resource', TypedLocalObjectReference, 'pointer'],
]);

export const HTTPIngressPath = message('HTTPIngressPath', [
  [1, 'path', 'string'],
  [3, 'pathType', 'string', 'pointer!'],
  [2, 'backend', IngressBackend],
]);

export const HTTPIngressRuleValue = message('HTTPIngressRuleValue', [[1, 'paths', HTTPIngressPath, 'list!']]);

export const IngressRuleValue = message('IngressRuleValue', [[1, 'http', HTTPIngressRuleValue, 'pointer']]);

export const IngressRule = message('IngressRule', [
  [1, 'host', 'string'],
  [2, 'ingressRuleValue', IngressRuleValue, 'inline'],
]);

export const IngressTLS = message('IngressTLS', [
  [1, 'hosts', 'string', 'list'],
  [2, 'secretName', 'string'],
]);

export const IngressSpec = message('IngressSpec', [
  [4, 'ingressClassName', 'string', 'pointer'],
  [1, 'defaultBackend', IngressBackend, 'pointer'],
  [2, 'tls', IngressTLS, 'list'],
  [3, 'rules', IngressRule, 'list'],
]);

export const IngressPortStatus = message('IngressPortStatus', [
  [1, 'port', 'int32', '!'],
  [2, 'protocol', 'string', '!'],
  [3, 'error', 'string', 'pointer'],
]);

export const IngressLoadBalancerIngress = message('IngressLoadBalancerIngress', [
  [1, 'ip', 'string'],
  [2, 'hostname', 'string'],
  [4, 'ports', IngressPortStatus, 'list'],
]);

export const IngressLoadBalancerStatus = message('IngressLoadBalancerStatus', [[1, 'ingress', IngressLoadBalancerIngress, 'list']]);

export const IngressStatus = message('IngressStatus', [[1, 'loadBalancer', IngressLoadBalancerStatus]]);

export const Ingress = message('Ingress', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', IngressSpec],
  [3, 'status', IngressStatus],
]);
