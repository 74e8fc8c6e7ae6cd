/**
 * The `pod-template-hash` of a Deployment's pod template, and template
 * equality that ignores it.
 *
 * Templates are compared in a canonical form: keys sorted, and null, empty
 * objects and empty arrays dropped (Kubernetes' semantic equality treats
 * absent, null and empty alike), so a template that went through a JSON patch
 * (`creationTimestamp: null`, `resources: {}`) still matches its ReplicaSet's.
 * The hash is FNV-1a (32 bits) of that canonical JSON followed by the
 * collision count (4 bytes, little endian), written as upstream writes it:
 * the decimal number mapped to the alphabet `bcdfghjklmnpqrstvwxz2456789`.
 */
import type { PodTemplateSpec } from '@skiff/api';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The canonical form of a JSON value (undefined when it is empty). */
export function canonical(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v) ?? null);
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** The template without the pod-template-hash label, in canonical form. */
function withoutHash(template: PodTemplateSpec | undefined): unknown {
  if (template === undefined) return undefined;
  const labels = { ...template.metadata?.labels };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  return canonical({ ...template, metadata: { ...template.metadata, labels } });
}

/** Whether two templates are equal apart from their pod-template-hash labels (upstream's EqualIgnoreHash). */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return JSON.stringify(withoutHash(a)) === JSON.stringify(withoutHash(b));
}

function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Upstream's rand.SafeEncodeString: each character mapped into an alphabet without vowels or look-alikes. */
function safeEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length] ?? '';
  return out;
}

/** The pod-template-hash of template (its own hash label ignored) with the Deployment's collision count. */
export function computeTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(JSON.stringify(withoutHash(template) ?? {})));
  if (collisionCount !== undefined && collisionCount !== 0) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  return safeEncode(String(h));
}
