/** The FieldsV1 encoding against upstream's documented examples, and the typed field sets of built-in objects. */
import { CONFIGMAPS, DEPLOYMENTS, PODS } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { FieldSet } from '../../src/managed-fields/fieldset.js';
import { objectSchema, ownableFields } from '../../src/managed-fields/object-fields.js';
import { changedTree, fieldsTree } from '../../src/managed-fields/typed.js';
import { fieldElement, keyElement, pathString, valueElement } from '../../src/managed-fields/path.js';

describe('FieldsV1 encoding', () => {
  it('encodes the ConfigMap of the server-side apply documentation', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } },
      data: { key: 'some value' },
    };
    const set = ownableFields(CONFIGMAPS, objectSchema(CONFIGMAPS), cm, undefined);
    expect(set.toFieldsV1()).toEqual({ 'f:data': { 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:test-label': {} } } });
  });

  it('keys associative lists (containers by name, ports by containerPort and the defaulted protocol) and marks items with "."', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx' },
      spec: {
        selector: { matchLabels: { app: 'nginx' } },
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: {
            containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }] }],
          },
        },
      },
    };
    const fields = ownableFields(DEPLOYMENTS, objectSchema(DEPLOYMENTS), deployment, undefined).toFieldsV1();
    expect(fields).toEqual({
      'f:spec': {
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('encodes sets with v: and atomic lists as leaves; empty maps are members', () => {
    const pod = {
      metadata: { name: 'p', finalizers: ['a/b'], annotations: {} },
      spec: { containers: [{ name: 'c', command: ['sleep', '1'], resources: {} }] },
    };
    const fields = ownableFields(PODS, objectSchema(PODS), pod, undefined).toFieldsV1();
    expect(fields).toEqual({
      'f:metadata': { 'f:annotations': {}, 'f:finalizers': { 'v:"a/b"': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:command': {}, 'f:name': {}, 'f:resources': {} } } },
    });
  });

  it('round-trips through FieldsV1 and prints paths as upstream does', () => {
    const fieldsV1 = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    expect(set.size).toBe(3);
    expect(set.toFieldsV1()).toEqual(fieldsV1);
    expect(pathString([fieldElement('spec'), fieldElement('replicas')])).toBe('.spec.replicas');
    expect(pathString([fieldElement('spec'), fieldElement('containers'), keyElement({ name: 'c' }), fieldElement('image')])).toBe(
      '.spec.containers[name="c"].image',
    );
    expect(pathString([fieldElement('metadata'), fieldElement('finalizers'), valueElement('x')])).toBe('.metadata.finalizers[="x"]');
  });

  it('refuses malformed FieldsV1', () => {
    expect(() => FieldSet.fromFieldsV1({ 'f:a': [] })).toThrow();
  });
});

describe('the FieldsV1 tree of a whole object (the create path)', () => {
  it('equals the tree of what changed from nothing, for a pod with every kind of member', () => {
    const pod = {
      metadata: { labels: { app: 'web', tier: '' }, annotations: { a: 'x' }, finalizers: ['f/one', 'f/two'], ownerReferences: [] },
      spec: {
        nodeSelector: {},
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [
          {
            name: 'c',
            image: 'nginx',
            args: ['-x'],
            ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            resources: { requests: { cpu: '100m' }, limits: {} },
            securityContext: null,
          },
        ],
        affinity: { nodeAffinity: {} },
        volumes: [{ name: 'v', emptyDir: {} }],
      },
    };
    const { model, shape } = objectSchema(PODS);
    const whole = fieldsTree(model, pod, shape);
    expect(whole).toEqual(changedTree(model, undefined, pod, shape));
    expect(whole['f:spec']?.['f:containers']?.['k:{"name":"c"}']?.['.']).toEqual({});
    expect(whole['f:metadata']?.['f:finalizers']).toEqual({ 'v:"f/one"': {}, 'v:"f/two"': {} });
    expect(whole['f:spec']?.['f:nodeSelector']).toEqual({});
  });
});
