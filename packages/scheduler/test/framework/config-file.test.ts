/** `skiff scheduler --config FILE` refuses a bad KubeSchedulerConfiguration with the field named, before connecting anywhere. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { SKIFF_BIN } from '../../../../test/support/cluster.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'skiff-scheduler-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('names the bad field of a YAML configuration and exits with a usage error', async () => {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: kubescheduler.config.k8s.io/v1',
      'kind: KubeSchedulerConfiguration',
      'profiles:',
      '  - schedulerName: packer',
      '    pluginConfig:',
      '      - name: NodeResourcesFit',
      '        args:',
      '          scoringStrategy:',
      '            type: Fastest',
      '',
    ].join('\n'),
  );
  const result = await run(process.execPath, [SKIFF_BIN, 'scheduler', '--config', file, '--port', '0'], { timeout: 30_000 }).then(
    () => ({ code: 0, out: '' }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
  expect(result.code).toBe(2);
  expect(result.out).toContain(`--config ${file}: profiles[0].pluginConfig[0].args.scoringStrategy.type: unsupported value "Fastest"`);
});
