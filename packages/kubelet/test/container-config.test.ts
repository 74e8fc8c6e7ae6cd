/** A container's command line: command then args; args alone run as the command (`kubectl run x -- cmd`). */
import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { containerConfig, ContainerConfigError } from '../src/container-config.js';

const pod = (container: Container): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [container] },
});

describe('containerConfig argv', () => {
  it('is command then args, or args alone as an image without an entrypoint runs them', () => {
    const both: Container = { name: 'c', command: ['sh', '-c'], args: ['echo $(MSG)'], env: [{ name: 'MSG', value: 'hi' }] };
    expect(containerConfig(pod(both), both).argv).toEqual(['sh', '-c', 'echo hi']);
    const argsOnly: Container = { name: 'c', args: ['sh', '-c', 'echo hello'] };
    expect(containerConfig(pod(argsOnly), argsOnly).argv).toEqual(['sh', '-c', 'echo hello']);
  });

  it('refuses a container with neither, saying why', () => {
    const none: Container = { name: 'c', image: 'busybox' };
    expect(() => containerConfig(pod(none), none)).toThrow(ContainerConfigError);
    expect(() => containerConfig(pod(none), none)).toThrow(/has no command or args/);
  });
});
