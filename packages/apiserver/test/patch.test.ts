/** Strategic merge patch by the built-in types' patch strategies and merge keys. */
import { PODS, SERVICES } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { strategicMergePatch } from '../src/http/patch.js';

describe('strategic merge patch', () => {
  const pod = {
    metadata: { name: 'p', finalizers: ['a', 'b'] },
    spec: {
      containers: [
        { name: 'main', image: 'busybox:1.35', env: [{ name: 'A', value: '1' }] },
        { name: 'side', image: 'busybox' },
      ],
      tolerations: [{ key: 'x', operator: 'Exists' }],
    },
  };

  it('merges lists with a merge key by that key, and $patch: delete removes an item', () => {
    const out = strategicMergePatch(
      pod,
      {
        spec: {
          containers: [
            { name: 'main', image: 'busybox:1.36', env: [{ name: 'B', value: '2' }] },
            { name: 'side', $patch: 'delete' },
          ],
        },
      },
      PODS,
    ) as { spec: { containers: unknown[] } };
    expect(out.spec.containers).toEqual([
      {
        name: 'main',
        image: 'busybox:1.36',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
    ]);
  });

  it('replaces lists without a patch strategy and merges primitive lists that have one', () => {
    const out = strategicMergePatch(
      pod,
      {
        metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: { tolerations: [{ key: 'y', operator: 'Exists' }] },
      },
      PODS,
    ) as { metadata: { finalizers: string[] }; spec: { tolerations: unknown[] } };
    expect(out.spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]);
    expect(out.metadata.finalizers).toEqual(['b', 'c']);
  });

  it('merges service ports by port, not by a guessed key', () => {
    const svc = { spec: { ports: [{ name: 'http', port: 80 }] } };
    const out = strategicMergePatch(svc, { spec: { ports: [{ name: 'http', port: 8080 }] } }, SERVICES) as { spec: { ports: unknown[] } };
    expect(out.spec.ports).toEqual([
      { name: 'http', port: 80 },
      { name: 'http', port: 8080 },
    ]);
  });

  it('keeps only $retainKeys and falls back to well-known keys without a schema', () => {
    const volumes = { spec: { volumes: [{ name: 'v', emptyDir: {} }] } };
    const out = strategicMergePatch(
      volumes,
      { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' }, $retainKeys: ['name', 'hostPath'] }] } },
      PODS,
    );
    expect(out).toEqual({ spec: { volumes: [{ name: 'v', hostPath: { path: '/x' } }] } });
    const untyped = strategicMergePatch({ items: [{ name: 'a', v: 1 }] }, { items: [{ name: 'a', v: 2 }, { name: 'b' }] });
    expect(untyped).toEqual({ items: [{ name: 'a', v: 2 }, { name: 'b' }] });
  });
});
