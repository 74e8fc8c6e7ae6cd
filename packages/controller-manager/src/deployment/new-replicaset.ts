/**
 * Finding and creating a Deployment's new ReplicaSet (upstream's
 * getAllReplicaSetsAndSyncRevision / getNewReplicaSet).
 *
 * The new ReplicaSet is the oldest one whose template equals the Deployment's
 * apart from the pod-template-hash label. A rollback (`kubectl rollout undo`
 * copies an old ReplicaSet's template into the Deployment) therefore finds the
 * old ReplicaSet, which gets the next revision number. Otherwise a ReplicaSet
 * `<deployment>-<hash>` is created with the hash label added to its selector
 * and template, 0 replicas or as many as maxSurge allows, and the next revision.
 * A name taken by a different template is a hash collision: the Deployment's
 * status.collisionCount goes up, which changes the hash on the next sync.
 */
import { ApiError, REPLICASETS, type Deployment, type ReplicaSet } from '@skiff/api';
import { isControlledBy, newControllerRef } from '../shared/owner-references.js';
import { newReplicaSetReplicas } from '../shared/rollout-math.js';
import { computeTemplateHash, POD_TEMPLATE_HASH_LABEL, templatesEqualIgnoringHash } from '../shared/template-hash.js';
import { maxRevision, REVISION_ANNOTATION, setDeploymentRevision, setNewReplicaSetAnnotations } from './annotations.js';
import { getCondition, hasProgressDeadline, newCondition, Reason, setCondition, type DeploymentStatus } from './conditions.js';
import type { Rollout } from './context.js';

function creationTime(rs: ReplicaSet): number {
  const t = Date.parse(rs.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** Oldest first, ties by name (upstream's ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return creationTime(a) - creationTime(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** Whether rs runs the Deployment's current template. */
function runsTemplate(d: Deployment, rs: ReplicaSet): boolean {
  if (templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template)) return true;
  // Created from this very template, which the apiserver then defaulted (templates are only defaulted on create).
  const hash = computeTemplateHash(d.spec?.template, d.status?.collisionCount);
  return (
    rs.metadata?.name === `${d.metadata?.name ?? ''}-${hash}` && rs.spec?.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash
  );
}

export function findNewReplicaSet(d: Deployment, sets: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...sets].sort(byCreation).find((rs) => runsTemplate(d, rs));
}

export interface ReplicaSetsOfDeployment {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/**
 * The new and old ReplicaSets; with createIfMissing, creates the new one.
 * Brings the new one's revision (and the Deployment's) up to date.
 */
export async function getAllReplicaSetsAndSyncRevision(
  r: Rollout,
  sets: readonly ReplicaSet[],
  createIfMissing: boolean,
): Promise<ReplicaSetsOfDeployment> {
  const existing = findNewReplicaSet(r.d, sets);
  const oldRSs = sets.filter((rs) => rs !== existing);
  const newRS = await getNewReplicaSet(r, existing, oldRSs, createIfMissing);
  return { newRS, oldRSs };
}

async function syncExistingNewReplicaSet(r: Rollout, existing: ReplicaSet, newRevision: number): Promise<ReplicaSet> {
  let rs = structuredClone(existing);
  const annotationsChanged = setNewReplicaSetAnnotations(r.d, rs, newRevision, true);
  const minReadySeconds = r.d.spec?.minReadySeconds ?? 0;
  const minReadyChanged = (rs.spec?.minReadySeconds ?? 0) !== minReadySeconds;
  if (annotationsChanged || minReadyChanged) {
    rs.spec = { ...rs.spec, selector: rs.spec?.selector ?? {}, minReadySeconds };
    rs = await r.ctx.client.update<ReplicaSet>(REPLICASETS, rs);
  }
  const status: DeploymentStatus = structuredClone(r.d.status ?? {});
  let needsUpdate = setDeploymentRevision(r.d, rs.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
  if (getCondition(status, 'Progressing') === undefined && hasProgressDeadline(r.d)) {
    setCondition(
      status,
      newCondition('Progressing', 'True', Reason.FoundNewReplicaSet, `Found new replica set "${rs.metadata?.name ?? ''}"`, r.ctx.now()),
    );
    needsUpdate = true;
  }
  if (needsUpdate) await r.writeStatus(status);
  return rs;
}

function newReplicaSetFor(r: Rollout, oldRSs: readonly ReplicaSet[], newRevision: number): ReplicaSet {
  const d = r.d;
  const hash = computeTemplateHash(d.spec?.template, d.status?.collisionCount);
  const template = structuredClone(d.spec?.template ?? {});
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${r.name}-${hash}`,
      namespace: r.namespace,
      labels: { ...template.metadata.labels },
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  if (rs.spec !== undefined) rs.spec.replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  return rs;
}

async function getNewReplicaSet(
  r: Rollout,
  existing: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  createIfMissing: boolean,
): Promise<ReplicaSet | undefined> {
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing !== undefined) return syncExistingNewReplicaSet(r, existing, newRevision);
  if (!createIfMissing) return undefined;
  const wanted = newReplicaSetFor(r, oldRSs, newRevision);
  let created: ReplicaSet;
  let alreadyExisted = false;
  try {
    created = await r.ctx.client.create<ReplicaSet>(REPLICASETS, r.namespace, wanted);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.code !== 409 || err.reason !== 'AlreadyExists') {
      const status: DeploymentStatus = structuredClone(r.d.status ?? {});
      if (hasProgressDeadline(r.d)) {
        setCondition(status, newCondition('Progressing', 'False', Reason.ReplicaSetCreateError, err.message, r.ctx.now()));
        await r.writeStatus(status);
      }
      r.event('Warning', 'FailedCreate', `Failed to create new replica set "${wanted.metadata?.name ?? ''}": ${err.message}`);
      throw err;
    }
    // Our informer may simply not show it yet: take it when it is ours and runs this template.
    const found = await r.ctx.client.get<ReplicaSet>(REPLICASETS, r.namespace, wanted.metadata?.name ?? '');
    if (!isControlledBy(found, r.d.metadata?.uid) || !runsTemplate(r.d, found)) {
      const status: DeploymentStatus = structuredClone(r.d.status ?? {});
      status.collisionCount = (status.collisionCount ?? 0) + 1;
      await r.writeStatus(status);
      r.ctx.logger.info(
        { deployment: `${r.namespace}/${r.name}`, collisionCount: status.collisionCount },
        'hash collision; bumping collisionCount',
      );
      throw err;
    }
    created = found;
    alreadyExisted = true;
  }
  const replicas = created.spec?.replicas ?? 0;
  if (!alreadyExisted && replicas > 0) {
    r.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name ?? ''} to ${replicas}`);
  }
  const status: DeploymentStatus = structuredClone(r.d.status ?? {});
  let needsUpdate = setDeploymentRevision(r.d, String(newRevision));
  if (!alreadyExisted && hasProgressDeadline(r.d)) {
    setCondition(
      status,
      newCondition(
        'Progressing',
        'True',
        Reason.NewReplicaSetCreated,
        `Created new replica set "${created.metadata?.name ?? ''}"`,
        r.ctx.now(),
      ),
    );
    needsUpdate = true;
  }
  if (needsUpdate) await r.writeStatus(status);
  return created;
}
