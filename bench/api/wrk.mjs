// Drives an HTTP endpoint with wrk (C, one thread): a load generator that costs
// a few µs per request, so on this 2-core machine the apiserver gets the CPU
// the Node.js load generator would otherwise take. Installed from Debian's
// packages when missing (as the test script installs Prometheus).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Makes sure wrk is on PATH (apt-get when missing); returns false when it cannot be had. */
export function ensureWrk() {
  const onPath = () => {
    try {
      execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (onPath()) return true;
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    return false;
  }
  return onPath();
}

/** wrk's duration notation (`12.34ms`, `1.02s`, `850.00us`) in ms. */
function parseDurationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (m === null) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

/**
 * POSTs `body` to url+path over `connections` keep-alive connections for
 * `seconds`; resolves with requests/s, p50/p99 latency (ms), the request
 * count and the non-2xx count.
 */
export async function wrkPost({ url, path, body, connections, seconds }) {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-wrk-'));
  try {
    const script = join(dir, 'post.lua');
    writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`);
    const out = await new Promise((resolve, reject) => {
      const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url + path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
    });
    const pct = (p) => parseDurationMs(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
    return {
      rate: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
      p50: pct(50),
      p99: pct(99),
      requests,
      non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
