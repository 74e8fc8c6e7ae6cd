/**
 * A component's NATS identity: the user and groups of its client certificate
 * (issued by openssl as the cluster PKI does), the request subject that names
 * it (escaped so that any user name is one token, groups one token each) and
 * its inbox prefix.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRequestSubject, identityOfApiRequestSubject, inboxPrefixOf, API_REQUEST_SUBJECT } from '@skiff/api';
import { identityOfCertificate, natsIdentityOptions } from '../src/index.js';
import { createCertificateAuthority, issueCertificate } from '../../cli/src/pki/openssl.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-nats-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NATS identity', () => {
  it('reads CN as the user and each O as a group, and connects with the identity inbox', () => {
    const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
    createCertificateAuthority(ca.certFile, ca.keyFile, 'test-ca');
    issueCertificate(ca, join(dir, 'n.crt'), join(dir, 'n.key'), {
      commonName: 'system:node:vm-1',
      organizations: ['system:nodes', 'extra'],
      usage: 'client',
    });
    const cert = readFileSync(join(dir, 'n.crt'));
    expect(identityOfCertificate(cert)).toEqual({ name: 'system:node:vm-1', groups: ['system:nodes', 'extra'] });
    const options = natsIdentityOptions({ ca: readFileSync(ca.certFile), cert, key: readFileSync(join(dir, 'n.key')) });
    expect(options.inboxPrefix).toBe('_INBOX.system=3Anode=3Avm-1');
    expect(options.tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(natsIdentityOptions({ ca: 'x' })).toEqual({});
  });

  it.each([
    { name: 'system:node:vm-1', groups: ['system:nodes'] },
    { name: 'system:serviceaccount:ns:a.b_c', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] },
    { name: 'skiff-admin', groups: [] },
    { name: 'weird *>. user', groups: ['g.1', ''] },
  ])('names $name in one request subject and reads it back', (identity) => {
    const subject = apiRequestSubject(identity);
    expect(subject.split('.')).toHaveLength(3 + 1 + identity.groups.length);
    expect(subject).not.toMatch(/[*> ]/);
    expect(identityOfApiRequestSubject(subject)).toEqual(identity);
    expect(inboxPrefixOf(identity).split('.')).toHaveLength(2);
  });

  it('leaves the bare subject anonymous', () => {
    expect(apiRequestSubject()).toBe(API_REQUEST_SUBJECT);
    expect(identityOfApiRequestSubject(API_REQUEST_SUBJECT)).toBeUndefined();
    expect(identityOfApiRequestSubject('skiff.ev.core.pods')).toBeUndefined();
  });
});
