/**
 * Admission, as kube-apiserver runs it: after the registry has defaulted a
 * write, every mutating plugin may change the object (`admit`), then the
 * strategy and the schema validate it, then every validating plugin may refuse
 * it (`validate`), and only then is it stored. A refusal is an ApiError (a
 * Kubernetes Status: 403 Forbidden with upstream's message for policy).
 */
import type { KubeObject, ResourceDescriptor } from '@skiff/api';
import type { UserInfo } from '../auth/user.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** What a plugin knows about one write (upstream's admission.Attributes). */
export interface AdmissionAttributes {
  readonly operation: AdmissionOperation;
  readonly desc: ResourceDescriptor;
  /** '' for the main resource, else `status`, `binding`, ... */
  readonly subresource: string;
  /** '' for cluster-scoped resources. */
  readonly namespace: string;
  /** The object's name; '' on a create with generateName (messages then name the prefix, as upstream). */
  readonly name: string;
  /** The object being written: mutating plugins change it in place. Undefined for DELETE. */
  readonly object: KubeObject | undefined;
  /** The stored object, for UPDATE and DELETE. */
  readonly oldObject: KubeObject | undefined;
  /** Who asked; undefined for the apiserver's own writes and the insecure mode. */
  readonly user: UserInfo | undefined;
  readonly dryRun: boolean;
}

/**
 * Told once the write that a validating plugin let through is over: with the
 * store revision it was committed at, or undefined when it failed or was a dry
 * run (so a plugin that reserved something, like a quota, can settle it).
 */
export type AdmissionSettle = (revision: number | undefined) => void;

/** The base of every plugin: its upstream name and the requests it looks at. */
export interface AdmissionPlugin {
  readonly name: string;
  /** True when the plugin has something to say about this request; the chain skips it otherwise. */
  handles(a: AdmissionAttributes): boolean;
}

/** A plugin that may change the object (defaults); it throws an ApiError to refuse. */
export interface MutatingPlugin extends AdmissionPlugin {
  /** Synchronous unless it must wait (e.g. for the watch cache); the chain awaits only then. */
  admit(a: AdmissionAttributes): void | Promise<void>;
}

/**
 * A plugin that may only refuse (throws an ApiError). It runs after
 * validation, so it sees the final object; it may return a settle callback.
 */
export interface ValidatingPlugin extends AdmissionPlugin {
  validate(a: AdmissionAttributes): void | AdmissionSettle | Promise<void | AdmissionSettle>;
}
