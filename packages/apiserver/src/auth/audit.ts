/**
 * The audit log: audit.k8s.io/v1 Events as JSON lines, at the level the
 * policy's first matching rule gives (None: no event). The policy is
 * upstream's Policy format (rules by users, userGroups, verbs, resources with
 * group and resourceNames, namespaces, nonResourceURLs; `omitStages` on the
 * policy and per rule). Stages: RequestReceived (once the user is known) and
 * ResponseComplete (when the response ends or the connection closes);
 * omitting RequestReceived gives one event per request. Events carry the
 * user, verb, object reference, response status (with the Status' message
 * and reason on failure), source IP, user agent and timestamps; Request adds
 * `requestObject` (the body as decoded), RequestResponse also
 * `responseObject`. HTTP and NATS requests are audited alike.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { parseBody } from '../http/body.js';
import { failureOf, startCapture, type BodyCapture } from './audit-capture.js';
import type { RequestAttributes } from './attributes.js';
import type { UserInfo } from './user.js';

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

/** One rule of an audit.k8s.io/v1 Policy. */
export interface AuditPolicyRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: Array<{ group?: string; resources?: string[]; resourceNames?: string[] }>;
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: AuditStage[];
}

export interface AuditPolicy {
  rules: AuditPolicyRule[];
  /** Stages no event is written for, whatever the rule. */
  omitStages?: AuditStage[];
}

/** Everything at Metadata, one event per request: the policy when no file is given. */
export const METADATA_POLICY: AuditPolicy = { rules: [{ level: 'Metadata' }], omitStages: ['RequestReceived'] };

const STAGES: ReadonlySet<string> = new Set(['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic']);

const LEVELS: ReadonlySet<string> = new Set(['None', 'Metadata', 'Request', 'RequestResponse']);

/** Reads and checks a Policy file (YAML or JSON). */
export function loadAuditPolicy(path: string): AuditPolicy {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { kind?: string; rules?: AuditPolicyRule[]; omitStages?: AuditStage[] } | null;
  if (doc?.kind !== 'Policy' || !Array.isArray(doc.rules)) throw new Error(`${path} is not an audit.k8s.io/v1 Policy with rules`);
  const checkStages = (stages: unknown, where: string): void => {
    if (stages === undefined) return;
    if (!Array.isArray(stages) || stages.some((st) => !STAGES.has(String(st))))
      throw new Error(`${path}: ${where}omitStages must list RequestReceived, ResponseStarted, ResponseComplete or Panic`);
  };
  checkStages(doc.omitStages, '');
  for (const [i, rule] of doc.rules.entries()) {
    if (!LEVELS.has(rule.level)) throw new Error(`${path}: rules[${i}].level must be None, Metadata, Request or RequestResponse`);
    checkStages(rule.omitStages, `rules[${i}].`);
  }
  return { rules: doc.rules, ...(doc.omitStages === undefined ? {} : { omitStages: doc.omitStages }) };
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

/** The rule the policy applies to a request (undefined: none matches, level None). */
function matchingRule(policy: AuditPolicy, user: UserInfo | undefined, attrs: RequestAttributes): AuditPolicyRule | undefined {
  for (const rule of policy.rules) {
    if (rule.users !== undefined && !rule.users.includes(user?.name ?? 'system:anonymous')) continue;
    if (rule.userGroups !== undefined && !rule.userGroups.some((g) => (user?.groups ?? ['system:unauthenticated']).includes(g))) continue;
    if (rule.verbs !== undefined && !rule.verbs.includes(attrs.verb)) continue;
    if (!resourceMatches(rule, attrs)) continue;
    return rule;
  }
  return undefined;
}

/** The level the policy gives a request (None when no rule matches). */
export function auditLevel(policy: AuditPolicy, user: UserInfo | undefined, attrs: RequestAttributes): AuditLevel {
  return matchingRule(policy, user, attrs)?.level ?? 'None';
}

/** A captured body as JSON (undefined when it cannot be decoded: it is left out of the event). */
function decoded(body: BodyCapture['request']): unknown {
  if (body === undefined || body.raw.length === 0) return undefined;
  try {
    return parseBody(body.raw, body.type);
  } catch {
    return undefined;
  }
}

function responseJson(body: unknown): unknown {
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return body;
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The name in an object's metadata (the created object, or the request's), if it has one. */
function createdName(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const name = (body as { metadata?: { name?: unknown } }).metadata?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** One request being audited: told who the user is once authentication has run. */
export interface AuditedRequest {
  /** The authenticated user: decides the level, writes RequestReceived, starts capturing bodies. */
  authenticated(user: UserInfo): void;
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
   * Starts auditing one request. The ResponseComplete event is written once,
   * when the response finishes (or the connection closes first); a request
   * refused by authentication is audited without a user.
   */
  begin(req: IncomingMessage, res: ServerResponse, attrs: RequestAttributes): AuditedRequest {
    const received = new Date().toISOString();
    const auditID = randomUUID();
    res.setHeader('Audit-Id', auditID);
    let who: UserInfo | undefined;
    let rule = matchingRule(this.policy, undefined, attrs);
    let capture: BodyCapture | undefined;
    let written = false;
    const omitted = (stage: AuditStage): boolean =>
      (this.policy.omitStages ?? []).includes(stage) || (rule?.omitStages ?? []).includes(stage);
    const event = (stage: AuditStage): Record<string, unknown> => {
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
      const remote = (req.socket as IncomingMessage['socket'] | undefined)?.remoteAddress;
      return {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: rule?.level ?? 'None',
        auditID,
        stage,
        requestURI: req.url ?? '',
        verb: attrs.verb,
        user:
          who === undefined
            ? { username: 'system:anonymous', groups: ['system:unauthenticated'] }
            : { username: who.name, groups: who.groups },
        sourceIPs: remote === undefined ? [] : [remote],
        userAgent: req.headers['user-agent'] ?? '',
        ...(objectRef === undefined ? {} : { objectRef }),
      };
    };
    const complete = (): void => {
      if (written) return;
      written = true;
      if (rule === undefined || rule.level === 'None' || omitted('ResponseComplete')) return;
      const failure = failureOf(res);
      const level = rule.level;
      const bodies = level === 'Request' || level === 'RequestResponse';
      const requestObject = capture === undefined || !bodies ? undefined : decoded(capture.request);
      const responseObject = capture?.wantsResponse === true && level === 'RequestResponse' ? responseJson(capture.response) : undefined;
      const base = event('ResponseComplete');
      const created = createdName(requestObject ?? capture?.response);
      if (created !== undefined && base['objectRef'] !== undefined) base['objectRef'] = { ...base['objectRef'], name: created };
      this.write({
        ...base,
        responseStatus:
          failure === undefined
            ? { metadata: {}, code: res.statusCode }
            : { metadata: {}, status: 'Failure', message: failure.message, reason: failure.reason, code: res.statusCode },
        ...(requestObject === undefined ? {} : { requestObject }),
        ...(responseObject === undefined ? {} : { responseObject }),
        requestReceivedTimestamp: received,
        stageTimestamp: new Date().toISOString(),
      });
    };
    res.once('finish', complete);
    res.once('close', complete);
    return {
      authenticated: (user) => {
        who = user;
        rule = matchingRule(this.policy, user, attrs);
        const level = rule?.level ?? 'None';
        if (level === 'None') return;
        // A create names its object in the body, not the path: the event's objectRef takes the name from it.
        const nameFromBody = attrs.kind === 'resource' && attrs.verb === 'create' && attrs.name === '';
        if (attrs.kind === 'resource' && (nameFromBody || level === 'Request' || level === 'RequestResponse')) {
          capture = startCapture(req, res, nameFromBody || level === 'RequestResponse');
        }
        if (!omitted('RequestReceived')) {
          this.write({ ...event('RequestReceived'), requestReceivedTimestamp: received, stageTimestamp: new Date().toISOString() });
        }
      },
    };
  }

  private write(event: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
