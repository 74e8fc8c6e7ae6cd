/**
 * A container's command line. The process runtime runs command then args, or args alone (`kubectl run x
 * -- cmd`), and refuses neither; a runtime with images (runc) fills what is missing from the image's
 * Entrypoint and Cmd with Kubernetes' rules.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { CgroupManager, detectCgroupLayout } from '../src/cgroups/index.js';
import { containerConfig, ContainerConfigError } from '../src/container-config.js';
import { imageArgv, ProcessRuntime } from '../src/runtime/index.js';

const pod = (container: Container): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [container] },
});

describe('containerConfig argv', () => {
  it('is command then args, or args alone as an image without an entrypoint runs them', () => {
    const both: Container = { name: 'c', command: ['sh', '-c'], args: ['echo $(MSG)'], env: [{ name: 'MSG', value: 'hi' }] };
    const config = containerConfig(pod(both), both);
    expect(config.argv).toEqual(['sh', '-c', 'echo hi']);
    expect([config.command, config.args]).toEqual([['sh', '-c'], ['echo hi']]);
    const argsOnly: Container = { name: 'c', args: ['sh', '-c', 'echo hello'] };
    expect(containerConfig(pod(argsOnly), argsOnly).argv).toEqual(['sh', '-c', 'echo hello']);
    expect(containerConfig(pod(argsOnly), argsOnly).command).toBeUndefined();
  });

  it('is empty for a container with neither (left to a runtime that reads the image)', () => {
    const none: Container = { name: 'c', image: 'busybox' };
    const config = containerConfig(pod(none), none);
    expect([config.argv, config.command, config.args]).toEqual([[], undefined, undefined]);
  });
});

describe("imageArgv: the image's Entrypoint and Cmd with Kubernetes' rules", () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['--default'] };
  it.each([
    ['neither: Entrypoint then Cmd', {}, ['/entry', '--default']],
    ['command only: the image is ignored', { command: ['run'] }, ['run']],
    ['args only: Entrypoint then args', { args: ['--flag'] }, ['/entry', '--flag']],
    ['both: command then args', { command: ['run'], args: ['--flag'] }, ['run', '--flag']],
    ['empty lists count as absent', { command: [], args: [] }, ['/entry', '--default']],
  ])('%s', (_what, spec: { command?: string[]; args?: string[] }, expected) => {
    const argv = [...(spec.command ?? []), ...(spec.args ?? [])];
    expect(imageArgv({ argv, ...spec }, image)).toEqual(expected);
  });

  it('runs argv when the config carries no command or args, and an image without defaults gives nothing', () => {
    expect(imageArgv({ argv: ['sh', '-c', 'true'] }, image)).toEqual(['sh', '-c', 'true']);
    expect(imageArgv({ argv: [] }, {})).toEqual([]);
  });
});

const root = process.getuid?.() === 0;
const dirs: string[] = [];
const managers: CgroupManager[] = [];

afterAll(async () => {
  for (const m of managers) await m.removeRoot();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.runIf(root)('the process runtime', () => {
  it('refuses a container with neither command nor args, saying why, before creating anything', async () => {
    const rootDir = mkdtempSync(join(tmpdir(), 'skiff-nocmd-'));
    dirs.push(rootDir);
    const cgroups = new CgroupManager(detectCgroupLayout(), { rootName: `skiff-test-${randomUUID().slice(0, 8)}` });
    managers.push(cgroups);
    const runtime = new ProcessRuntime({ rootDir, cgroups, isolation: 'none' });
    try {
      const none: Container = { name: 'c', image: 'busybox' };
      const start = runtime.startContainer(containerConfig(pod(none), none));
      await expect(start).rejects.toThrow(ContainerConfigError);
      await expect(runtime.startContainer(containerConfig(pod(none), none))).rejects.toThrow(/has no command or args/);
      expect(runtime.listContainers()).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});
