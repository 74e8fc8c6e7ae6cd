/** Who a write is recorded for in managedFields: the `fieldManager` query parameter, else the User-Agent's first token. */
import type { IncomingMessage } from 'node:http';
import { badRequest } from '@skiff/api';

const MAX_MANAGER_LENGTH = 128;

/**
 * The manager of a write. Apply requires an explicit `fieldManager`; other
 * writes default to the User-Agent's product (`kubectl/v1.32.0 (...)` → `kubectl`),
 * as kube-apiserver does. 400 for a name over 128 characters.
 */
export function fieldManagerOf(q: URLSearchParams, req: IncomingMessage, apply: boolean): string {
  const explicit = q.get('fieldManager');
  if (explicit !== null && explicit !== '') {
    if (explicit.length > MAX_MANAGER_LENGTH) throw badRequest(`fieldManager: Too long: may not be more than ${MAX_MANAGER_LENGTH} bytes`);
    return explicit;
  }
  if (apply) throw badRequest('fieldManager: Required value: is required for apply patch');
  const agent = req.headers['user-agent'] ?? '';
  return (agent.split('/')[0] ?? '').slice(0, MAX_MANAGER_LENGTH);
}
