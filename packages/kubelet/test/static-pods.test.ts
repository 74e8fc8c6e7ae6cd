/** Static pod manifests: what a manifest becomes on a node, what is refused, and the mirror pod. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isMirrorPod, mirrorPodFor, readStaticPods, staticPodFromManifest } from '../src/static-pods/index.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: i, command: [sleep, "1"]}]\n';

describe('static pod manifests', () => {
  it('become pods bound to the node, named after it, with a uid that follows the manifest', () => {
    const pod = staticPodFromManifest(YAML, 'n1', 'web.yaml');
    expect(pod.metadata?.name).toBe('web-n1');
    expect(pod.metadata?.namespace).toBe('default');
    expect(pod.spec?.nodeName).toBe('n1');
    expect(pod.spec?.restartPolicy).toBe('Always');
    expect(pod.spec?.tolerations).toContainEqual({ operator: 'Exists', effect: 'NoExecute' });
    expect(pod.metadata?.uid).toBe(pod.metadata?.annotations?.['kubernetes.io/config.hash']);
    expect(staticPodFromManifest(YAML, 'n1', 'web.yaml').metadata?.uid).toBe(pod.metadata?.uid);
    expect(staticPodFromManifest(YAML, 'n2', 'web.yaml').metadata?.uid).not.toBe(pod.metadata?.uid);
    expect(staticPodFromManifest(YAML.replace('"1"', '"2"'), 'n1', 'web.yaml').metadata?.uid).not.toBe(pod.metadata?.uid);
  });

  it('refuse what is not one v1 Pod with a valid name and containers', () => {
    expect(() => staticPodFromManifest('kind: Pod\napiVersion: apps/v1\nmetadata: {name: x}', 'n', 'a.yaml')).toThrow(/v1 Pod/);
    expect(() =>
      staticPodFromManifest('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"Bad_Name"},"spec":{"containers":[{}]}}', 'n', 'a.json'),
    ).toThrow(/DNS subdomain/);
    expect(() => staticPodFromManifest('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}', 'n', 'a.yaml')).toThrow(
      /at least one container/,
    );
    expect(() => staticPodFromManifest('{', 'n', 'a.json')).toThrow(/not valid JSON/);
  });

  it('are read from the directory; bad files and duplicates are reported, dotfiles and other files skipped', () => {
    writeFileSync(join(dir, 'web.yaml'), YAML);
    writeFileSync(join(dir, 'web-again.yml'), YAML);
    writeFileSync(join(dir, 'broken.json'), '{');
    writeFileSync(join(dir, '.hidden.yaml'), YAML);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    const { pods, errors } = readStaticPods(dir, 'n1');
    expect(pods.map((p) => p.metadata?.name)).toEqual(['web-n1']);
    expect(errors.map((e) => e.file).sort()).toEqual(['broken.json', 'web.yaml']);
    expect(errors.find((e) => e.file === 'web.yaml')?.message).toMatch(/already defines pod default\/web-n1/);
  });

  it('are mirrored owned by the node, without the uid, and recognised as mirrors', () => {
    const pod = staticPodFromManifest(YAML, 'n1', 'web.yaml');
    const mirror = mirrorPodFor(pod, { name: 'n1', uid: 'node-uid' });
    expect(mirror.metadata?.uid).toBeUndefined();
    expect(mirror.metadata?.annotations?.['kubernetes.io/config.mirror']).toBe(pod.metadata?.uid);
    expect(mirror.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'node-uid', controller: true }]);
    expect(isMirrorPod(mirror)).toBe(true);
    expect(isMirrorPod(pod)).toBe(false);
  });
});
