/** authentication.k8s.io/v1 table: TokenRequest (`kubectl create token`, POSTed to serviceaccounts/<name>/token). */
import { message } from '../schema.js';
import { Time } from './machinery.js';
import { ObjectMeta } from './meta.js';

export const BoundObjectReference = message('BoundObjectReference', [
  [1, 'kind', 'string'],
  [2, 'apiVersion', 'string'],
  [3, 'name', 'string'],
  [4, 'uid', 'string'],
]);

export const TokenRequestSpec = message('TokenRequestSpec', [
  [1, 'audiences', 'string', 'list!'],
  [4, 'expirationSeconds', 'int64', 'pointer!'],
  [3, 'boundObjectRef', BoundObjectReference, 'pointer!'],
]);

export const TokenRequestStatus = message('TokenRequestStatus', [
  [1, 'token', 'string', '!'],
  [2, 'expirationTimestamp', Time],
]);

export const TokenRequest = message('TokenRequest', [
  [1, 'metadata', ObjectMeta],
  [2, 'spec', TokenRequestSpec],
  [3, 'status', TokenRequestStatus],
]);
