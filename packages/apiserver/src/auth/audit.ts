/**
 * The audit log: one audit.k8s.io/v1 Event per request, at stage
 * ResponseComplete, as a JSON line, at the level the policy's first matching
 * rule gives (None: no event). The policy is upstream's Policy format (rules by
 * users, userGroups, verbs, resources with group and resourceNames,
 * namespaces, nonResourceURLs). Events carry the user, verb, object reference,
 * response code, source IP, user agent and timestamps; Request and
 * RequestResponse levels are accepted and recorded as their level, without
 * the bodies (not captured yet).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { RequestAttributes } from './attributes.js';
import type { UserInfo } from './user.js';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

/** One rule of an audit.k8s.io/v1 Policy. */
export interface AuditPolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: Array<{ group?: string; resources?: string[]; resourceNames?: string[] }>;
  namespaces?: string[];
  nonResourceURLs?: string[];
}

export interface AuditPolicy {
  rules: AuditPolicyRule[];
}

/** Everything at Metadata: the policy when no file is given. */
export const METADATA_POLICY: AuditPolicy = { rules: [{ level: 'Metadata' }] };

const LEVELS: ReadonlySet<string> = new Set(['None', 'Metadata', 'Request', 'RequestResponse']);

/** Reads and checks a Policy file (YAML or JSON). */
export function loadAuditPolicy(path: string): AuditPolicy {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { kind?: string; rules?: AuditPolicyRule[] } | null;
  if (doc?.kind !== 'Policy' || !Array.isArray(doc.rules)) throw new Error(`${path} is not an audit.k8s.io/v1 Policy with rules`);
  for (const [i, rule] of doc.rules.entries()) {
    if (!LEVELS.has(rule.level)) throw new Error(`${path}: rules[${i}].level must be None, Metadata, Request or RequestResponse`);
  }
  return { rules: doc.rules };
}

function resourceMatches(rule: AuditPolicyRule, attrs: RequestAttributes): boolean {
  if (attrs.kind === 'nonResource') {
    if (rule.resources !== undefined || rule.namespaces !== undefined) return false;
    const urls = rule.nonResourceURLs;
    return urls === undefined || urls.some((u) => u === attrs.path || (u.endsWith('*') && attrs.path.startsWith(u.slice(0, -1))));
  }
  if (rule.nonResourceURLs !== undefined) return false;
  if (rule.namespaces !== undefined && !rule.namespaces.includes(attrs.namespace)) return false;
  if (rule.resources === undefined) return true;
  const full = attrs.subresource === '' ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  return rule.resources.some(
    (r) =>
      (r.group ?? '') === attrs.group &&
      (r.resources === undefined ||
        r.resources.length === 0 ||
        r.resources.includes(full) ||
        r.resources.includes(`${attrs.resource}/*`) ||
        r.resources.includes('*')) &&
      (r.resourceNames === undefined || r.resourceNames.length === 0 || r.resourceNames.includes(attrs.name)),
  );
}

/** The level the policy gives a request (None when no rule matches). */
export function auditLevel(policy: AuditPolicy, user: UserInfo | undefined, attrs: RequestAttributes): AuditLevel {
  for (const rule of policy.rules) {
    if (rule.users !== undefined && !rule.users.includes(user?.name ?? 'system:anonymous')) continue;
    if (rule.userGroups !== undefined && !rule.userGroups.some((g) => (user?.groups ?? ['system:unauthenticated']).includes(g))) continue;
    if (rule.verbs !== undefined && !rule.verbs.includes(attrs.verb)) continue;
    if (!resourceMatches(rule, attrs)) continue;
    return rule.level;
  }
  return 'None';
}

/** Writes audit events to a file as JSON lines. */
export class AuditLog {
  private readonly out: WriteStream;

  constructor(
    path: string,
    private readonly policy: AuditPolicy = METADATA_POLICY,
  ) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
  }

  /**
   * Starts auditing one request: the event is written once, when the response
   * completes (or the connection closes first); `user` is read then, so a
   * request refused by authentication is audited without one.
   */
  begin(req: IncomingMessage, res: ServerResponse, attrs: RequestAttributes, user: () => UserInfo | undefined): void {
    const received = new Date().toISOString();
    const auditID = randomUUID();
    res.setHeader('Audit-Id', auditID);
    let written = false;
    const complete = (): void => {
      if (written) return;
      written = true;
      const who = user();
      const level = auditLevel(this.policy, who, attrs);
      if (level === 'None') return;
      const objectRef =
        attrs.kind === 'resource'
          ? {
              resource: attrs.resource,
              ...(attrs.namespace === '' ? {} : { namespace: attrs.namespace }),
              ...(attrs.name === '' ? {} : { name: attrs.name }),
              apiGroup: attrs.group,
              ...(attrs.subresource === '' ? {} : { subresource: attrs.subresource }),
            }
          : undefined;
      const event = {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level,
        auditID,
        stage: 'ResponseComplete',
        requestURI: req.url ?? '',
        verb: attrs.verb,
        user:
          who === undefined
            ? { username: 'system:anonymous', groups: ['system:unauthenticated'] }
            : { username: who.name, groups: who.groups },
        sourceIPs: [(req.socket as IncomingMessage['socket'] | undefined)?.remoteAddress ?? ''],
        userAgent: req.headers['user-agent'] ?? '',
        ...(objectRef === undefined ? {} : { objectRef }),
        responseStatus: { metadata: {}, code: res.statusCode },
        requestReceivedTimestamp: received,
        stageTimestamp: new Date().toISOString(),
      };
      this.out.write(`${JSON.stringify(event)}\n`);
    };
    res.once('finish', complete);
    res.once('close', complete);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
