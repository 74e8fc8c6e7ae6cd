/** Which message table decodes which `apiVersion` + `kind`: the kinds kubectl's generators (`create`, `autoscale`) send as protobuf. */
import type { MessageType } from './schema.js';
import { Deployment } from './types/apps.js';
import { TokenRequest } from './types/authentication.js';
import { SelfSubjectAccessReview, SelfSubjectRulesReview } from './types/authorization.js';
import { HorizontalPodAutoscaler } from './types/autoscaling.js';
import { CronJob, Job } from './types/batch.js';
import { ConfigMap, Namespace, ResourceQuota, Secret, Service, ServiceAccount } from './types/core.js';
import { Ingress } from './types/networking.js';
import { PodDisruptionBudget } from './types/policy.js';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './types/rbac.js';
import { PriorityClass } from './types/scheduling.js';

const RBAC = 'rbac.authorization.k8s.io/v1';

const TABLES = new Map<string, MessageType>([
  ['v1/ConfigMap', ConfigMap],
  ['v1/Secret', Secret],
  ['v1/Service', Service],
  ['v1/ServiceAccount', ServiceAccount],
  ['v1/Namespace', Namespace],
  ['v1/ResourceQuota', ResourceQuota],
  ['apps/v1/Deployment', Deployment],
  ['autoscaling/v1/HorizontalPodAutoscaler', HorizontalPodAutoscaler],
  ['authentication.k8s.io/v1/TokenRequest', TokenRequest],
  ['authorization.k8s.io/v1/SelfSubjectAccessReview', SelfSubjectAccessReview],
  ['authorization.k8s.io/v1/SelfSubjectRulesReview', SelfSubjectRulesReview],
  ['batch/v1/Job', Job],
  ['batch/v1/CronJob', CronJob],
  ['policy/v1/PodDisruptionBudget', PodDisruptionBudget],
  ['networking.k8s.io/v1/Ingress', Ingress],
  [`${RBAC}/Role`, Role],
  [`${RBAC}/ClusterRole`, ClusterRole],
  [`${RBAC}/RoleBinding`, RoleBinding],
  [`${RBAC}/ClusterRoleBinding`, ClusterRoleBinding],
  ['scheduling.k8s.io/v1/PriorityClass', PriorityClass],
]);

/** The table for a kind, or undefined when Skiff cannot decode it from protobuf. */
export function tableFor(apiVersion: string, kind: string): MessageType | undefined {
  return TABLES.get(`${apiVersion}/${kind}`);
}

/** Every decodable kind as `apiVersion/kind`, for messages and tests. */
export function decodableKinds(): string[] {
  return [...TABLES.keys()];
}
