/**
 * Every kind the apiserver serves, for discovery and the OpenAPI documents:
 * the stored resources (`RESOURCES`) and the create-only reviews the
 * security filter answers without storing anything (`auth/reviews.ts`).
 */
import { RESOURCES, type ResourceDescriptor } from '@skiff/api';

/** What discovery and OpenAPI say of a resource. */
export type ServedResource = Pick<
  ResourceDescriptor,
  'group' | 'version' | 'resource' | 'singular' | 'kind' | 'namespaced' | 'verbs' | 'shortNames' | 'categories' | 'subresources'
>;

function review(group: string, resource: string, kind: string, namespaced = false): ServedResource {
  return {
    group,
    version: 'v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    verbs: ['create'],
    shortNames: [],
    categories: [],
    subresources: [],
  };
}

/**
 * The authentication.k8s.io and authorization.k8s.io reviews. Only a secure
 * apiserver answers them; the insecure test mode has no users to review.
 */
export const REVIEW_RESOURCES: readonly ServedResource[] = [
  review('authentication.k8s.io', 'tokenreviews', 'TokenReview'),
  review('authentication.k8s.io', 'selfsubjectreviews', 'SelfSubjectReview'),
  review('authorization.k8s.io', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
  review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
  review('authorization.k8s.io', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview'),
  review('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview'),
];

/** The stored resources, then the reviews. */
export const SERVED_RESOURCES: readonly ServedResource[] = [...RESOURCES, ...REVIEW_RESOURCES];
