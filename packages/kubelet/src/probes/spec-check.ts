/** The argument checks both pollers make (the native one in C++), so bad specs fail the same way. */
import { isIP } from 'node:net';
import type { ProbeSpec } from './contract.js';

const positive = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;

/** Throws TypeError for what the contract rejects. */
export function checkProbeSpec(id: unknown, spec: ProbeSpec): void {
  if (typeof id !== 'string') throw new TypeError('id must be a string');
  if (typeof spec !== 'object' || spec === null) throw new TypeError('spec must be a ProbeSpec object');
  if (typeof spec.initialDelayMs !== 'number' || !(spec.initialDelayMs >= 0))
    throw new TypeError('spec.initialDelayMs must be a number >= 0');
  if (!positive(spec.periodMs)) throw new TypeError('spec.periodMs must be a positive number');
  if (!positive(spec.timeoutMs)) throw new TypeError('spec.timeoutMs must be a positive number');
  switch (spec.kind) {
    case 'exec':
      if (!Array.isArray(spec.argv) || spec.argv.length === 0 || spec.argv[0] === '') throw new TypeError('spec.argv must not be empty');
      return;
    case 'http':
    case 'tcp':
    case 'grpc':
      if (isIP(spec.host) === 0 || !Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
        throw new TypeError('spec.host must be an IP literal and spec.port 1-65535');
      }
      if (spec.kind === 'http' && (typeof spec.path !== 'string' || !spec.path.startsWith('/'))) {
        throw new TypeError("spec.path must start with '/'");
      }
      if (spec.kind === 'http' && spec.scheme !== undefined && spec.scheme !== 'HTTP' && spec.scheme !== 'HTTPS') {
        throw new TypeError('spec.scheme must be HTTP or HTTPS');
      }
      if (spec.kind === 'grpc' && typeof spec.service !== 'string') throw new TypeError('spec.service must be a string');
      return;
    default:
      throw new TypeError('spec.kind must be exec, http, tcp or grpc');
  }
}
