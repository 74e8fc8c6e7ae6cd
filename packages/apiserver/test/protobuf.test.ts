/**
 * Protobuf request bodies: the wire reader on hand-made bytes, and a
 * differential test against kubectl itself — the same `kubectl create …`
 * run as 1.31 (JSON body) and as 1.32/1.33 (protobuf body) must yield the
 * same object once the protobuf body is decoded.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { decodeKubernetesProtobuf } from '../src/http/protobuf/index.js';
import { decodeMessage, MAX_WARNINGS, type DecodeContext } from '../src/http/protobuf/decode.js';
import { decodableKinds } from '../src/http/protobuf/kinds.js';
import { message } from '../src/http/protobuf/schema.js';
import { WireFormatError, WireReader } from '../src/http/protobuf/wire.js';

// ---------------------------------------------------------------------------
// A tiny protobuf writer for hand-made bytes.

function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
const key = (field: number, wireType: number): number[] => varint((field << 3) | wireType);
const num = (field: number, value: bigint | number): number[] => [...key(field, 0), ...varint(value)];
const len = (field: number, bytes: number[] | Uint8Array): number[] => [...key(field, 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string): number[] => len(field, [...Buffer.from(s, 'utf8')]);
const entry = (field: number, k: string, value: number[]): number[] => len(field, [...str(1, k), ...value]);

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
function envelope(apiVersion: string, kind: string, raw: number[], extra: number[] = []): Buffer {
  return Buffer.from([...MAGIC, ...len(1, [...str(1, apiVersion), ...str(2, kind)]), ...len(2, raw), ...extra]);
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const ctx = (): DecodeContext => ({ warnings: [], dropped: 0 });

// ---------------------------------------------------------------------------

describe('wire reader', () => {
  it('reads varints past 2^32 and up to 2^64-1', () => {
    const big = 2n ** 35n + 5n;
    expect(new WireReader(Uint8Array.from(varint(big))).readVarint()).toBe(big);
    expect(new WireReader(Uint8Array.from(varint(2n ** 64n - 1n))).readVarint()).toBe(2n ** 64n - 1n);
    expect(new WireReader(Uint8Array.from([0xac, 0x02])).readVarint()).toBe(300n);
  });

  it('reads fixed 64-bit and 32-bit values little-endian', () => {
    const r = new WireReader(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0x80, 0x78, 0x56, 0x34, 0x12]));
    expect(r.readFixed64()).toBe(2n ** 63n + 1n);
    expect(r.readFixed32()).toBe(0x12345678);
    expect(r.done).toBe(true);
  });

  it('rejects overlong varints, truncation, lengths past the end, field 0 and wire types 6/7', () => {
    expect(() => new WireReader(Uint8Array.from(new Array<number>(11).fill(0xff))).readVarint()).toThrow(WireFormatError);
    expect(() => new WireReader(Uint8Array.from([0x80, 0x80])).readVarint()).toThrow(/unexpected end/);
    expect(() => new WireReader(Uint8Array.from([0x05, 1, 2])).readBytes()).toThrow(/runs past the end/);
    expect(() => new WireReader(Uint8Array.from([1, 2, 3])).readFixed64()).toThrow(/unexpected end/);
    expect(() => new WireReader(Uint8Array.from([0x00])).readTag()).toThrow(/field number 0/);
    expect(() => new WireReader(Uint8Array.from([0x0e])).readTag()).toThrow(/wire type 6/);
  });

  it('skips every wire type, groups included', () => {
    const bytes = [...num(1, 7), ...key(2, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...len(3, [9, 9]), ...key(4, 5), 1, 2, 3, 4];
    bytes.push(...key(5, 3), ...num(1, 1), ...key(6, 3), ...key(6, 4), ...key(5, 4), ...num(7, 1));
    const r = new WireReader(Uint8Array.from(bytes));
    const fields: number[] = [];
    while (!r.done) {
      const tag = r.readTag();
      fields.push(tag.field);
      r.skip(tag);
    }
    expect(fields).toEqual([1, 2, 3, 4, 5, 7]);
    const unclosed = new WireReader(Uint8Array.from([...key(5, 3), ...num(1, 1)]));
    expect(() => unclosed.skip(unclosed.readTag())).toThrow(/not closed/);
  });
});

describe('table-driven decoding', () => {
  const Inner = message('Inner', [
    [1, 'a', 'string'],
    [2, 'b', 'int32'],
  ]);
  const Numbers = message('Numbers', [
    [1, 'i32', 'int32', '!'],
    [2, 'i64', 'int64', '!'],
    [3, 'flag', 'bool'],
    [4, 'list', 'int64', 'list'],
    [5, 'inner', Inner],
    [6, 'ptr', Inner, 'pointer'],
    [7, 'nilList', 'string', 'list!'],
    [8, 'bytes', 'bytes'],
    [9, 'labels', 'string', 'map'],
    [10, 'zeroPtr', 'int32', 'pointer'],
  ]);

  it('sign-extends negative int32 and int64, and keeps int64 past 2^32', () => {
    const out = decodeMessage(Uint8Array.from([...num(1, -5), ...num(2, -(2n ** 40n)), ...num(4, 2n ** 33n)]), Numbers, 'n', ctx());
    expect(out).toMatchObject({ i32: -5, i64: -(2 ** 40), list: [2 ** 33] });
    expect(varint(-5)).toHaveLength(10);
  });

  it('writes Go JSON: zero omitempty fields left out, structs always present, nil lists null, present pointers kept even when zero', () => {
    const out = decodeMessage(Uint8Array.from([...num(3, 0), ...num(10, 0)]), Numbers, 'n', ctx());
    expect(out).toEqual({ i32: 0, i64: 0, inner: {}, nilList: null, zeroPtr: 0 });
  });

  it('decodes nested messages, merges a message seen twice, keeps the last scalar, and reads packed lists', () => {
    const bytes = [
      ...len(5, str(1, 'x')),
      ...len(5, num(2, 3)),
      ...num(1, 1),
      ...num(1, 2),
      ...len(4, [...varint(1), ...varint(-1)]),
      ...num(4, 9),
    ];
    bytes.push(...len(6, []), ...len(8, [0xff, 0x00]));
    const out = decodeMessage(Uint8Array.from(bytes), Numbers, 'n', ctx());
    expect(out).toEqual({ i32: 2, i64: 0, list: [1, -1, 9], inner: { a: 'x', b: 3 }, ptr: {}, nilList: null, bytes: '/wA=' });
  });

  it('decodes maps (last key wins, missing value is zero, __proto__ is a plain key)', () => {
    const bytes = [
      ...entry(9, 'a', str(2, '1')),
      ...entry(9, 'a', str(2, '2')),
      ...len(9, str(1, 'empty')),
      ...entry(9, '__proto__', str(2, 'p')),
    ];
    const out = decodeMessage(Uint8Array.from(bytes), Numbers, 'n', ctx()) as Record<string, Record<string, string>>;
    expect(Object.entries(out['labels']!)).toEqual([
      ['a', '2'],
      ['empty', ''],
      ['__proto__', 'p'],
    ]);
    expect(Object.getPrototypeOf(out['labels'])).toBe(Object.prototype);
  });

  it('skips unknown fields of every wire type with a warning, and caps the warnings', () => {
    const c = ctx();
    const bytes = [...num(99, 1), ...key(98, 1), 0, 0, 0, 0, 0, 0, 0, 0, ...len(97, [1, 2]), ...key(96, 5), 0, 0, 0, 0, ...num(1, 4)];
    expect(decodeMessage(Uint8Array.from(bytes), Numbers, 'n', c)).toMatchObject({ i32: 4 });
    expect(c.warnings).toEqual([
      'n: unknown field 99 (wire type 0) of Numbers skipped',
      'n: unknown field 98 (wire type 1) of Numbers skipped',
      'n: unknown field 97 (wire type 2) of Numbers skipped',
      'n: unknown field 96 (wire type 5) of Numbers skipped',
    ]);
    const many = ctx();
    decodeMessage(Uint8Array.from(Array.from({ length: MAX_WARNINGS + 7 }, () => num(50, 1)).flat()), Numbers, 'n', many);
    expect(many.warnings).toHaveLength(MAX_WARNINGS);
    expect(many.dropped).toBe(7);
  });

  it('rejects a known field with the wrong wire type', () => {
    expect(() => decodeMessage(Uint8Array.from(num(5, 1)), Numbers, 'n', ctx())).toThrow(/n\.inner: wire type 0 where a message/);
    expect(() => decodeMessage(Uint8Array.from(len(1, [1])), Numbers, 'n', ctx())).toThrow(/n\.i32: wire type 2 where a int32/);
  });
});

describe('decodeKubernetesProtobuf', () => {
  const meta = (name: string, extra: number[] = []): number[] =>
    len(1, [...str(1, name), ...str(2, ''), ...num(7, 0), ...len(8, []), ...extra]);

  it('decodes a hand-made Deployment: maps, nested messages, IntOrString, pointers and Time', () => {
    const labels = [...entry(11, 'app', str(2, 'web')), ...entry(12, 'note', str(2, 'x'))];
    const owner = len(13, [...str(5, 'v1'), ...str(1, 'Thing'), ...str(3, 't'), ...str(4, 'u'), ...num(6, 1)]);
    const container = [...str(1, 'c'), ...str(2, 'nginx'), ...str(3, 'sleep'), ...str(3, '1'), ...len(6, [...str(1, ''), ...num(3, 80)])];
    container.push(
      ...len(8, entry(1, 'cpu', len(2, str(1, '500m')))),
      ...len(7, [...str(1, 'A'), ...str(2, 'B')]),
      ...str(14, 'IfNotPresent'),
    );
    const template = len(3, [...len(1, [...len(8, [...num(1, 1700000000)])]), ...len(2, len(2, container))]);
    const strategy = len(4, [...str(1, 'RollingUpdate'), ...len(2, [...len(1, [...num(1, 1), ...str(3, '25%')]), ...len(2, num(2, 2))])]);
    const spec = len(2, [...num(1, 3), ...len(2, entry(1, 'app', str(2, 'web'))), ...template, ...strategy, ...num(7, 0)]);
    const { object, warnings } = decodeKubernetesProtobuf(
      envelope('apps/v1', 'Deployment', [...meta('web', [...labels, ...owner]), ...spec]),
    );
    expect(warnings).toEqual([]);
    expect(object).toEqual({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'web',
        creationTimestamp: null,
        labels: { app: 'web' },
        annotations: { note: 'x' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Thing', name: 't', uid: 'u', controller: true }],
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { creationTimestamp: '2023-11-14T22:13:20Z' },
          spec: {
            containers: [
              {
                name: 'c',
                image: 'nginx',
                command: ['sleep', '1'],
                ports: [{ containerPort: 80 }],
                env: [{ name: 'A', value: 'B' }],
                resources: { limits: { cpu: '500m' } },
                imagePullPolicy: 'IfNotPresent',
              },
            ],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 2 } },
      },
      status: {},
    });
  });

  it('writes bytes as base64 (Secret data, ConfigMap binaryData) and reports unknown fields', () => {
    const { object, warnings } = decodeKubernetesProtobuf(
      envelope('v1', 'ConfigMap', [...meta('c'), ...entry(3, 'bin', len(2, [0, 1, 0xfe])), ...entry(2, 'k', str(2, 'v')), ...num(42, 1)]),
    );
    expect(object).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c', creationTimestamp: null },
      data: { k: 'v' },
      binaryData: { bin: 'AAH+' },
    });
    expect(warnings).toEqual(['ConfigMap: unknown field 42 (wire type 0) of ConfigMap skipped']);
  });

  it('answers 400 for bytes that are not a Kubernetes protobuf body', () => {
    expect(apiError(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}'))).code).toBe(400);
    expect(apiError(() => decodeKubernetesProtobuf(Buffer.from(MAGIC))).message).toMatch(/does not name its apiVersion and kind/);
    const bad = envelope('v1', 'ConfigMap', [...meta('c'), ...num(2, 1)]);
    expect(apiError(() => decodeKubernetesProtobuf(bad))).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('answers 400 for every truncation of a valid body, never another error', () => {
    const body = envelope('v1', 'Service', [
      ...meta('s', entry(11, 'a', str(2, 'b'))),
      ...len(2, len(1, [...str(1, 'p'), ...num(3, 80), ...len(4, num(2, 8080))])),
    ]);
    expect(decodeKubernetesProtobuf(body).object).toMatchObject({ spec: { ports: [{ name: 'p', port: 80, targetPort: 8080 }] } });
    let rejected = 0;
    for (let n = 0; n < body.length; n++) {
      try {
        decodeKubernetesProtobuf(body.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).code).toBe(400);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(body.length / 2);
  });

  it('answers 415 for kinds without a table and for compressed or non-protobuf payloads', () => {
    expect(apiError(() => decodeKubernetesProtobuf(envelope('apps/v1', 'StatefulSet', [])))).toMatchObject({
      code: 415,
      reason: 'UnsupportedMediaType',
    });
    expect(apiError(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [], str(3, 'gzip')))).code).toBe(415);
    expect(apiError(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [], str(4, 'application/json')))).code).toBe(415);
    expect(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [], str(4, 'application/vnd.kubernetes.protobuf'))).object).toMatchObject({
      kind: 'ConfigMap',
    });
  });
});

// ---------------------------------------------------------------------------
// The differential test: kubectl 1.31 (JSON) against kubectl 1.32 and 1.33 (protobuf).

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

interface Recorded {
  contentType: string;
  userAgent: string;
  body: Buffer;
}

const RESOURCES: Record<string, [string, string, boolean][]> = {
  v1: [
    ['pods', 'Pod', true],
    ['configmaps', 'ConfigMap', true],
    ['secrets', 'Secret', true],
    ['services', 'Service', true],
    ['serviceaccounts', 'ServiceAccount', true],
    ['serviceaccounts/token', 'TokenRequest', true],
    ['namespaces', 'Namespace', false],
    ['resourcequotas', 'ResourceQuota', true],
  ],
  'apps/v1': [
    ['deployments', 'Deployment', true],
    ['deployments/scale', 'Scale', true],
  ],
  'autoscaling/v1': [['horizontalpodautoscalers', 'HorizontalPodAutoscaler', true]],
  'batch/v1': [
    ['jobs', 'Job', true],
    ['cronjobs', 'CronJob', true],
  ],
  'policy/v1': [['poddisruptionbudgets', 'PodDisruptionBudget', true]],
  'networking.k8s.io/v1': [['ingresses', 'Ingress', true]],
  'rbac.authorization.k8s.io/v1': [
    ['roles', 'Role', true],
    ['rolebindings', 'RoleBinding', true],
    ['clusterroles', 'ClusterRole', false],
    ['clusterrolebindings', 'ClusterRoleBinding', false],
  ],
  'scheduling.k8s.io/v1': [['priorityclasses', 'PriorityClass', false]],
};

const WEB = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } },
  },
};

/**
 * A stub API server claiming version 1.<minor>: plain discovery for the kinds
 * above, the Deployment `web` for `autoscale`, and every write recorded. A
 * JSON body is echoed back; a protobuf body is answered with its decoding
 * (or the decoder's error Status), so kubectl itself exits non-zero if the
 * decoder fails.
 */
function stubServer(minor: string, recorded: Recorded[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (code: number, obj: unknown): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const path = new URL(req.url ?? '/', 'http://stub').pathname;
      if (req.method !== 'GET') {
        const rec = {
          contentType: req.headers['content-type'] ?? '',
          userAgent: req.headers['user-agent'] ?? '',
          body: Buffer.concat(chunks),
        };
        recorded.push(rec);
        let object: Record<string, unknown>;
        if (rec.contentType.startsWith('application/vnd.kubernetes.protobuf')) {
          try {
            object = decodeKubernetesProtobuf(rec.body).object;
          } catch (err) {
            return err instanceof ApiError ? send(err.code, err.toStatus()) : send(500, { kind: 'Status', message: String(err) });
          }
        } else {
          object = JSON.parse(rec.body.toString('utf8')) as Record<string, unknown>;
        }
        // kubectl create token fails without a token in the answer.
        if (object['kind'] === 'TokenRequest') object['status'] = { token: 'stub' };
        // kubectl auth can-i exits 0 only when allowed.
        if (object['kind'] === 'SelfSubjectAccessReview') object['status'] = { allowed: true };
        if (object['kind'] === 'SelfSubjectRulesReview') object['status'] = { resourceRules: [], nonResourceRules: [], incomplete: false };
        return send(201, object);
      }
      if (path === '/version') return send(200, { major: '1', minor, gitVersion: `v1.${minor}.0`, platform: 'linux/amd64' });
      if (path === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
      if (path === '/apis') {
        const groups = Object.keys(RESOURCES)
          .filter((gv) => gv !== 'v1')
          .map((gv) => ({
            name: gv.split('/')[0],
            versions: [{ groupVersion: gv, version: 'v1' }],
            preferredVersion: { groupVersion: gv, version: 'v1' },
          }));
        return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
      }
      for (const [gv, resources] of Object.entries(RESOURCES)) {
        if (path !== (gv === 'v1' ? '/api/v1' : `/apis/${gv}`)) continue;
        const list = resources.map(([name, kind, namespaced]) => ({
          name,
          singularName: '',
          namespaced,
          kind,
          verbs: ['create', 'get', 'list', 'update', 'patch', 'delete'],
          ...(kind === 'Scale' ? { group: 'autoscaling', version: 'v1' } : {}),
        }));
        return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: list });
      }
      if (path === '/apis/apps/v1/namespaces/default/deployments/web') return send(200, WEB);
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
    });
  };
}

interface Run {
  exitCode: number;
  stderr: string;
  writes: Recorded[];
}

let work = '';

/** Runs one kubectl command against a fresh stub claiming 1.<minor>, with its own HOME and kubeconfig. */
async function kubectl(minor: string, args: string[]): Promise<Run> {
  const writes: Recorded[] = [];
  const server = createServer(stubServer(minor, writes));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const home = await mkdtemp(join(work, `home-${minor}-`));
  try {
    const kubeconfig = join(home, 'config');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'stub', cluster: { server: url } }],
        users: [{ name: 'stub', user: {} }],
        contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace: 'default' } }],
        'current-context': 'stub',
      }),
    );
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig };
    return await new Promise<Run>((resolve) => {
      execFile('kubectl', args, { env, timeout: 30_000 }, (err, _stdout, stderr) => {
        resolve({ exitCode: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr, writes });
      });
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(home, { recursive: true, force: true });
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

/** Commands, each with the kind it creates and the protobuf-sending minors to compare with 1.31. */
const COMMANDS: { kind: string; args: string[]; minors?: string[] }[] = [
  { kind: 'Deployment', args: ['create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=80', '--', 'sleep', '3600'] },
  { kind: 'Deployment', args: ['create', 'deployment', 'multi', '--image=nginx', '--image=busybox:1.36'] },
  { kind: 'ConfigMap', args: ['create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=k=v', '--from-file=bin=@BIN'] },
  { kind: 'Secret', args: ['create', 'secret', 'generic', 's', '--from-literal=p=q', '--type=Opaque', '--from-file=bin=@BIN'] },
  {
    kind: 'Secret',
    args: ['create', 'secret', 'docker-registry', 'd', '--docker-server=r.io', '--docker-username=u', '--docker-password=p'],
  },
  { kind: 'Service', args: ['create', 'service', 'clusterip', 'svc', '--tcp=80:8080', '--tcp=443'] },
  { kind: 'Service', args: ['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'] },
  { kind: 'Service', args: ['create', 'service', 'loadbalancer', 'lb', '--tcp=443:https'] },
  { kind: 'Service', args: ['create', 'service', 'externalname', 'en', '--external-name=example.com'] },
  { kind: 'ServiceAccount', args: ['create', 'serviceaccount', 'sa'] },
  {
    kind: 'Role',
    args: ['create', 'role', 'r', '--verb=get', '--verb=list', '--resource=pods', '--resource=deployments.apps', '--resource-name=x'],
  },
  // Not --user: the launcher reads it as its own global flag and then always runs 1.32.
  { kind: 'RoleBinding', args: ['create', 'rolebinding', 'rb', '--role=r', '--group=g', '--serviceaccount=default:sa'] },
  { kind: 'ClusterRole', args: ['create', 'clusterrole', 'cr', '--verb=get', '--non-resource-url=/logs/*'] },
  { kind: 'ClusterRole', args: ['create', 'clusterrole', 'agg', '--aggregation-rule=a=b'] },
  { kind: 'ClusterRoleBinding', args: ['create', 'clusterrolebinding', 'crb', '--clusterrole=cr', '--group=g'] },
  {
    kind: 'PriorityClass',
    args: ['create', 'priorityclass', 'pc', '--value=1000', '--global-default', '--description=d', '--preemption-policy=Never'],
  },
  { kind: 'Namespace', args: ['create', 'namespace', 'n'] },
  { kind: 'ResourceQuota', args: ['create', 'quota', 'q', '--hard=cpu=1,pods=2,memory=1Gi', '--scopes=BestEffort'] },
  { kind: 'Job', args: ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'] },
  { kind: 'CronJob', args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/1 * * * *', '--', 'echo', 'hi'] },
  { kind: 'PodDisruptionBudget', args: ['create', 'poddisruptionbudget', 'pdb', '--selector=app=a', '--min-available=50%'] },
  { kind: 'SelfSubjectAccessReview', args: ['auth', 'can-i', 'get', 'pods/web-1', '--subresource=log', '-n', 'default'] },
  { kind: 'SelfSubjectRulesReview', args: ['auth', 'can-i', '--list', '-n', 'default'] },
  { kind: 'Ingress', args: ['create', 'ingress', 'ing', '--rule=foo.com/bar=svc:8080,tls=sec', '--class=nginx'] },
  {
    kind: 'TokenRequest',
    args: [
      'create',
      'token',
      'sa',
      '--duration=10m',
      '--audience=a',
      '--bound-object-kind=Pod',
      '--bound-object-name=p',
      '--bound-object-uid=u1',
    ],
  },
  // 1.33 creates an autoscaling/v2 HorizontalPodAutoscaler, which has no table.
  { kind: 'HorizontalPodAutoscaler', args: ['autoscale', 'deployment', 'web', '--min=1', '--max=3', '--cpu-percent=50'], minors: ['32'] },
];

describe.skipIf(!hasKubectl())('kubectl differential: 1.32/1.33 protobuf bodies decode to the 1.31 JSON body', () => {
  const runs = new Map<string, Run>();
  const runKey = (minor: string, i: number): string => `${minor}:${i}`;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'skiff-protobuf-'));
    const bin = join(work, 'bin');
    await writeFile(bin, Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7f]));
    const jobs = COMMANDS.flatMap((c, i) =>
      ['31', ...(c.minors ?? ['32', '33'])].map((minor) => ({ minor, i, args: c.args.map((a) => a.replace('@BIN', bin)) })),
    );
    await pool(jobs, 4, async (job) => runs.set(runKey(job.minor, job.i), await kubectl(job.minor, job.args)));
  }, 120_000);

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('covers every decodable kind', () => {
    const covered = new Set(COMMANDS.map((c) => c.kind));
    expect(
      decodableKinds()
        .map((k) => k.slice(k.lastIndexOf('/') + 1))
        .filter((k) => !covered.has(k)),
    ).toEqual([]);
  });

  for (const [i, command] of COMMANDS.entries()) {
    for (const minor of command.minors ?? ['32', '33']) {
      it(`kubectl 1.${minor} ${command.args.join(' ')}`, () => {
        const json = runs.get(runKey('31', i))!;
        const proto = runs.get(runKey(minor, i))!;
        expect(json.stderr).toBe('');
        expect(proto.stderr).toBe('');
        expect([json.exitCode, proto.exitCode]).toEqual([0, 0]);
        expect(json.writes).toHaveLength(1);
        expect(proto.writes).toHaveLength(1);
        const [sent31, sentNew] = [json.writes[0]!, proto.writes[0]!];
        expect(sent31.userAgent).toMatch(/^kubectl\/v1\.31\./);
        expect(sentNew.userAgent).toMatch(new RegExp(`^kubectl/v1\\.${minor}\\.`));
        expect(sent31.contentType).toMatch(/^application\/json/);
        expect(sentNew.contentType).toBe('application/vnd.kubernetes.protobuf');
        const { object, warnings } = decodeKubernetesProtobuf(sentNew.body);
        expect(warnings).toEqual([]);
        expect(object).toEqual(JSON.parse(sent31.body.toString('utf8')));
        expect(object['kind']).toBe(command.kind);
      });
    }
  }
});
