/** The skiff command's clear errors, run as a real process. */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SKIFF_BIN } from '../../../test/support/cluster.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'skiff-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function skiff(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SKIFF_BIN, ...args], { env: { ...process.env, ...env }, timeout: 30_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('skiff', () => {
  it('lists its commands', async () => {
    const r = await skiff(['help']);
    expect(r.code).toBe(0);
    for (const c of ['up', 'apiserver', 'scheduler', 'controller-manager', 'kubelet']) expect(r.out).toContain(c);
  });

  it('rejects an unknown flag with the usage', async () => {
    const r = await skiff(['up', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/Unknown option '--bogus'/);
    expect(r.out).toContain('--data-dir');
  });

  it('says which port is taken', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const r = await skiff(['up', '--data-dir', dir, '--api-port', String(port)]);
    server.close();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`port ${port} on 127.0.0.1 is already in use (apiserver)`);
  });

  it('says when nats-server is missing and how to install it', async () => {
    const r = await skiff(['up', '--data-dir', dir, '--api-port', '0', '--nats-port', '0'], {
      SKIFF_NATS_SERVER: '/nonexistent/nats-server',
    });
    expect(r.code).toBe(1);
    expect(r.out).toContain('nats-server is not installed');
  });
});
