/**
 * Certificates through the system's `openssl` (3.x): P-256 keys, a self-signed
 * CA, leaf certificates signed by it. Chosen over a JavaScript X.509 library:
 * it is on every machine Skiff runs on, it is the reference implementation
 * operators already trust and inspect with, and it adds no dependency.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate to issue. */
export interface CertificateRequest {
  /** Common name: the user for client certificates. */
  commonName: string;
  /** Organizations: the groups for client certificates. */
  organizations?: readonly string[];
  /** DNS names and IP addresses (serving certificates). */
  dnsNames?: readonly string[];
  ipAddresses?: readonly string[];
  usage: 'server' | 'client';
  days?: number;
}

/** Escapes a value for openssl's `-subj /K=V/...` syntax. */
function subjectValue(value: string): string {
  return value.replace(/[\\/+,=]/g, (c) => `\\${c}`);
}

function subject(cn: string, orgs: readonly string[]): string {
  return `${orgs.map((o) => `/O=${subjectValue(o)}`).join('')}/CN=${subjectValue(cn)}`;
}

function runOpenssl(args: string[], config: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-pki-'));
  try {
    const file = join(dir, 'openssl.cnf');
    writeFileSync(file, config);
    execFileSync('openssl', [...args, '-config', file, '-extensions', 'ext'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim() || String(err)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** An openssl configuration whose `ext` section holds the given extension lines (the subject comes from `-subj`). */
function configWith(extensions: readonly string[]): string {
  return ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', '[ext]', ...extensions, ''].join('\n');
}

/** Writes a self-signed CA certificate and its key. */
export function createCertificateAuthority(certFile: string, keyFile: string, commonName: string, days = 3650): void {
  const config = configWith([
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
    'subjectKeyIdentifier = hash',
  ]);
  runOpenssl(
    ['req', '-x509', '-new', ...KEY_ARGS, '-keyout', keyFile, '-out', certFile, '-days', String(days), '-subj', subject(commonName, [])],
    config,
  );
}

/** Writes a certificate (and a new key) signed by the CA. */
export function issueCertificate(
  ca: { certFile: string; keyFile: string },
  certFile: string,
  keyFile: string,
  request: CertificateRequest,
): void {
  const alt = [...(request.dnsNames ?? []).map((d) => `DNS:${d}`), ...(request.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  const config = configWith([
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage = ${request.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
    'authorityKeyIdentifier = keyid',
    ...(alt.length === 0 ? [] : [`subjectAltName = ${alt.join(',')}`]),
  ]);
  runOpenssl(
    [
      'req',
      '-x509',
      '-new',
      ...KEY_ARGS,
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      String(request.days ?? 365),
      '-subj',
      subject(request.commonName, request.organizations ?? []),
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
    ],
    config,
  );
}
