/**
 * core/v1 tables for pod templates: PodTemplateSpec, PodSpec, Container and
 * the types they hold. Covered: everything kubectl's generators set, every
 * plain (always-sent) field, and the small pointer types. Not covered (skipped
 * with a warning): volumes, ephemeral containers, probes, lifecycle, security
 * contexts, affinity, topology spread constraints, pod resource claims.
 */
import { message } from '../schema.js';
import { Quantity } from './machinery.js';
import { ObjectMeta } from './meta.js';

export const LocalObjectReference = message('LocalObjectReference', [[1, 'name', 'string']]);

export const ContainerPort = message('ContainerPort', [
  [1, 'name', 'string'],
  [2, 'hostPort', 'int32'],
  [3, 'containerPort', 'int32', '!'],
  [4, 'protocol', 'string'],
  [5, 'hostIP', 'string'],
]);

export const ObjectFieldSelector = message('ObjectFieldSelector', [
  [1, 'apiVersion', 'string'],
  [2, 'fieldPath', 'string', '!'],
]);

export const ResourceFieldSelector = message('ResourceFieldSelector', [
  [1, 'containerName', 'string'],
  [2, 'resource', 'string', '!'],
  [3, 'divisor', Quantity],
]);

export const ConfigMapKeySelector = message('ConfigMapKeySelector', [
  [1, 'localObjectReference', LocalObjectReference, 'inline'],
  [2, 'key', 'string', '!'],
  [3, 'optional', 'bool', 'pointer'],
]);

export const SecretKeySelector = message('SecretKeySelector', [
  [1, 'localObjectReference', LocalObjectReference, 'inline'],
  [2, 'key', 'string', '!'],
  [3, 'optional', 'bool', 'pointer'],
]);

export const EnvVarSource = message('EnvVarSource', [
  [1, 'fieldRef', ObjectFieldSelector, 'pointer'],
  [2, 'resourceFieldRef', ResourceFieldSelector, 'pointer'],
  [3, 'configMapKeyRef', ConfigMapKeySelector, 'pointer'],
  [4, 'secretKeyRef', SecretKeySelector, 'pointer'],
]);

export const EnvVar = message('EnvVar', [
  [1, 'name', 'string', '!'],
  [2, 'value', 'string'],
  [3, 'valueFrom', EnvVarSource, 'pointer'],
]);

export const ConfigMapEnvSource = message('ConfigMapEnvSource', [
  [1, 'localObjectReference', LocalObjectReference, 'inline'],
  [2, 'optional', 'bool', 'pointer'],
]);

export const SecretEnvSource = message('SecretEnvSource', [
  [1, 'localObjectReference', LocalObjectReference, 'inline'],
  [2, 'optional', 'bool', 'pointer'],
]);

export const EnvFromSource = message('EnvFromSource', [
  [1, 'prefix', 'string'],
  [2, 'configMapRef', ConfigMapEnvSource, 'pointer'],
  [3, 'secretRef', SecretEnvSource, 'pointer'],
]);

export const ResourceClaim = message('ResourceClaim', [
  [1, 'name', 'string', '!'],
  [2, 'request', 'string'],
]);

export const ResourceRequirements = message('ResourceRequirements', [
  [1, 'limits', Quantity, 'map'],
  [2, 'requests', Quantity, 'map'],
  [3, 'claims', ResourceClaim, 'list'],
]);

export const ContainerResizePolicy = message('ContainerResizePolicy', [
  [1, 'resourceName', 'string', '!'],
  [2, 'restartPolicy', 'string', '!'],
]);

export const VolumeMount = message('VolumeMount', [
  [1, 'name', 'string', '!'],
  [2, 'readOnly', 'bool'],
  [7, 'recursiveReadOnly', 'string', 'pointer'],
  [3, 'mountPath', 'string', '!'],
  [4, 'subPath', 'string'],
  [5, 'mountPropagation', 'string', 'pointer'],
  [6, 'subPathExpr', 'string'],
]);

export const VolumeDevice = message('VolumeDevice', [
  [1, 'name', 'string', '!'],
  [2, 'devicePath', 'string', '!'],
]);

export const Container = message('Container', [
  [1, 'name', 'string', '!'],
  [2, 'image', 'string'],
  [3, 'command', 'string', 'list'],
  [4, 'args', 'string', 'list'],
  [5, 'workingDir', 'string'],
  [6, 'ports', ContainerPort, 'list'],
  [19, 'envFrom', EnvFromSource, 'list'],
  [7, 'env', EnvVar, 'list'],
  [8, 'resources', ResourceRequirements],
  [23, 'resizePolicy', ContainerResizePolicy, 'list'],
  [24, 'restartPolicy', 'string', 'pointer'],
  [9, 'volumeMounts', VolumeMount, 'list'],
  [21, 'volumeDevices', VolumeDevice, 'list'],
  [13, 'terminationMessagePath', 'string'],
  [20, 'terminationMessagePolicy', 'string'],
  [14, 'imagePullPolicy', 'string'],
  [16, 'stdin', 'bool'],
  [17, 'stdinOnce', 'bool'],
  [18, 'tty', 'bool'],
]);

export const Toleration = message('Toleration', [
  [1, 'key', 'string'],
  [2, 'operator', 'string'],
  [3, 'value', 'string'],
  [4, 'effect', 'string'],
  [5, 'tolerationSeconds', 'int64', 'pointer'],
]);

export const HostAlias = message('HostAlias', [
  [1, 'ip', 'string', '!'],
  [2, 'hostnames', 'string', 'list'],
]);

export const PodDNSConfigOption = message('PodDNSConfigOption', [
  [1, 'name', 'string'],
  [2, 'value', 'string', 'pointer'],
]);

export const PodDNSConfig = message('PodDNSConfig', [
  [1, 'nameservers', 'string', 'list'],
  [2, 'searches', 'string', 'list'],
  [3, 'options', PodDNSConfigOption, 'list'],
]);

export const PodReadinessGate = message('PodReadinessGate', [[1, 'conditionType', 'string', '!']]);

export const PodOS = message('PodOS', [[1, 'name', 'string', '!']]);

export const PodSchedulingGate = message('PodSchedulingGate', [[1, 'name', 'string', '!']]);

export const PodSpec = message('PodSpec', [
  [20, 'initContainers', Container, 'list'],
  [2, 'containers', Container, 'list!'],
  [3, 'restartPolicy', 'string'],
  [4, 'terminationGracePeriodSeconds', 'int64', 'pointer'],
  [5, 'activeDeadlineSeconds', 'int64', 'pointer'],
  [6, 'dnsPolicy', 'string'],
  [7, 'nodeSelector', 'string', 'map'],
  [8, 'serviceAccountName', 'string'],
  [9, 'serviceAccount', 'string'],
  [21, 'automountServiceAccountToken', 'bool', 'pointer'],
  [10, 'nodeName', 'string'],
  [11, 'hostNetwork', 'bool'],
  [12, 'hostPID', 'bool'],
  [13, 'hostIPC', 'bool'],
  [27, 'shareProcessNamespace', 'bool', 'pointer'],
  [15, 'imagePullSecrets', LocalObjectReference, 'list'],
  [16, 'hostname', 'string'],
  [17, 'subdomain', 'string'],
  [19, 'schedulerName', 'string'],
  [22, 'tolerations', Toleration, 'list'],
  [23, 'hostAliases', HostAlias, 'list'],
  [24, 'priorityClassName', 'string'],
  [25, 'priority', 'int32', 'pointer'],
  [26, 'dnsConfig', PodDNSConfig, 'pointer'],
  [28, 'readinessGates', PodReadinessGate, 'list'],
  [29, 'runtimeClassName', 'string', 'pointer'],
  [30, 'enableServiceLinks', 'bool', 'pointer'],
  [31, 'preemptionPolicy', 'string', 'pointer'],
  [32, 'overhead', Quantity, 'map'],
  [35, 'setHostnameAsFQDN', 'bool', 'pointer'],
  [36, 'os', PodOS, 'pointer'],
  [37, 'hostUsers', 'bool', 'pointer'],
  [38, 'schedulingGates', PodSchedulingGate, 'list'],
  [40, 'resources', ResourceRequirements, 'pointer'],
]);

export const PodTemplateSpec = message('PodTemplateSpec', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', PodSpec],
]);
