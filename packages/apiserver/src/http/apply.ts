/**
 * PATCH with `application/apply-patch+yaml`: server-side apply through the
 * generic registry (conflict retries included), creating the object when it
 * does not exist yet.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, badRequest, type KubeObject, type ResourceDescriptor } from '@skiff/api';
import { applyConfiguration } from '../managed-fields/apply.js';
import type { GenericRegistry } from '../registry/generic.js';
import { enforceFieldValidation, type FieldValidation } from './field-validation.js';
import { writeJson } from './respond.js';

export interface ApplyOptions {
  manager: string;
  force: boolean;
  subresource: 'status' | undefined;
  dryRun: boolean;
  fieldValidation: FieldValidation;
}

/** Serves one apply request: 200 with the object, or 201 when the apply created it. */
export async function serveApply(
  res: ServerResponse,
  registry: GenericRegistry,
  desc: ResourceDescriptor,
  namespace: string,
  name: string,
  patch: unknown,
  options: ApplyOptions,
): Promise<void> {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw badRequest('the apply configuration must be an object');
  const applied = patch as KubeObject;
  if (applied.metadata?.name !== undefined && applied.metadata.name !== name) {
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
  }
  enforceFieldValidation(desc, applied, options.fieldValidation, res, 'patch');
  const request = { manager: options.manager, force: options.force, scope: options.subresource };
  try {
    const patched = await registry.patch(
      desc,
      namespace,
      name,
      (current) => applyConfiguration(desc, current, structuredClone(applied), request),
      options.subresource,
      { dryRun: options.dryRun, applied: true },
    );
    writeJson(res, 200, patched);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404 && options.subresource === undefined)) throw err;
    const body = applyConfiguration(desc, undefined, { ...applied, metadata: { ...applied.metadata, name } }, request);
    writeJson(res, 201, await registry.create(desc, namespace, body, { dryRun: options.dryRun, applied: true }));
  }
}
