import { isIP } from 'node:net';

/** How a key's value is checked: its type and bounds. */
export type Kind =
  | { type: 'int'; min: number; max: number }
  | { type: 'string'; oneOf?: readonly string[]; url?: readonly string[]; allowEmpty?: boolean }
  | { type: 'bool' }
  | { type: 'list'; minItems?: number }
  | { type: 'intList'; min: number; max: number; minItems: number; maxItems: number }
  | { type: 'oidcList' };

/** Checks one value (as written in conf.json, or as text from the environment) against its kind. */
export function checkValue(key: string, raw: unknown, kind: Kind, fromEnv: boolean): { value?: unknown; problem?: string } {
  const shown = JSON.stringify(raw);
  if (kind.type === 'int') {
    let n: unknown = raw;
    if (fromEnv && typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) n = Number(raw.trim());
    if (typeof n !== 'number' || !Number.isInteger(n)) return { problem: `${key}: ${shown} is not an integer` };
    if (n < kind.min || n > kind.max) return { problem: `${key}: ${shown} is outside ${kind.min}..${kind.max}` };
    return { value: n };
  }
  if (kind.type === 'intList') return checkIntList(key, raw, kind, fromEnv);
  if (kind.type === 'oidcList') return checkOidcList(key, raw, fromEnv);
  if (kind.type === 'list') {
    const parsed = envJson(key, raw, fromEnv);
    if ('problem' in parsed) return parsed;
    const list = parsed.list;
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && item.trim() !== '')) {
      return { problem: `${key}: ${shown} is not a list of non-empty strings` };
    }
    if (list.length < (kind.minItems ?? 0)) return { problem: `${key}: needs at least ${kind.minItems} entries` };
    return { value: list.map((item: string) => item.trim()) };
  }
  if (kind.type === 'bool') {
    if (typeof raw === 'boolean') return { value: raw };
    if (fromEnv && typeof raw === 'string' && ['true', 'false', '1', '0'].includes(raw.trim().toLowerCase())) {
      return { value: ['true', '1'].includes(raw.trim().toLowerCase()) };
    }
    return { problem: `${key}: ${shown} is not true or false` };
  }
  if (typeof raw !== 'string') return { problem: `${key}: ${shown} is not a string` };
  if (raw === '') return kind.allowEmpty ? { value: raw } : { problem: `${key}: must not be empty` };
  if (kind.oneOf && !kind.oneOf.includes(raw)) {
    return { problem: `${key}: ${shown} is not one of ${kind.oneOf.join(', ')}` };
  }
  if (kind.url) {
    let protocol: string;
    try {
      protocol = new URL(raw).protocol;
    } catch {
      return { problem: `${key}: ${shown} is not a URL` };
    }
    if (!kind.url.includes(protocol)) {
      return { problem: `${key}: ${shown} must start with ${kind.url.map((p) => `${p}`).join(' or ')}` };
    }
  }
  return { value: raw };
}

/** A list-valued key's value: as written in conf.json, or parsed from the environment's JSON text. */
function envJson(key: string, raw: unknown, fromEnv: boolean): { list: unknown } | { problem: string } {
  if (!fromEnv || typeof raw !== 'string') return { list: raw };
  try {
    return { list: JSON.parse(raw) };
  } catch {
    return { problem: `${key}: ${JSON.stringify(raw)} is not a JSON list` };
  }
}

/** A JSON list of distinct integers within bounds, returned sorted (transcode_ladder). */
function checkIntList(key: string, raw: unknown, kind: Extract<Kind, { type: 'intList' }>, fromEnv: boolean): { value?: unknown; problem?: string } {
  const parsed = envJson(key, raw, fromEnv);
  if ('problem' in parsed) return parsed;
  const list = parsed.list;
  if (!Array.isArray(list) || !list.every((n) => Number.isInteger(n) && n >= kind.min && n <= kind.max)) {
    return { problem: `${key}: ${JSON.stringify(raw)} is not a list of integers in ${kind.min}..${kind.max}` };
  }
  const sorted = [...new Set(list as number[])].sort((a, b) => a - b);
  if (sorted.length < kind.minItems || sorted.length > kind.maxItems) {
    return { problem: `${key}: needs ${kind.minItems} to ${kind.maxItems} distinct entries` };
  }
  return { value: sorted };
}

const OIDC_FIELDS = ['id', 'name', 'issuer', 'client_id', 'client_secret'] as const;

/** oidc_providers: a JSON list of {id, name, issuer, client_id, client_secret}, ids distinct and URL-safe. */
function checkOidcList(key: string, raw: unknown, fromEnv: boolean): { value?: unknown; problem?: string } {
  const parsed = envJson(key, raw, fromEnv);
  if ('problem' in parsed) return parsed;
  const list = parsed.list;
  if (!Array.isArray(list)) return { problem: `${key}: is not a list` };
  const seen = new Set<string>();
  for (const [i, item] of list.entries()) {
    if (!item || typeof item !== 'object') return { problem: `${key}: entry ${i} is not an object` };
    for (const field of OIDC_FIELDS) {
      const v = (item as Record<string, unknown>)[field];
      if (typeof v !== 'string' || (field !== 'client_secret' && v.trim() === '')) {
        return { problem: `${key}: entry ${i} needs a string "${field}"` };
      }
    }
    const p = item as Record<(typeof OIDC_FIELDS)[number], string>;
    if (!/^[a-z0-9_-]{1,32}$/.test(p.id)) return { problem: `${key}: entry ${i}: id must be 1-32 of a-z 0-9 _ -` };
    if (seen.has(p.id)) return { problem: `${key}: id ${JSON.stringify(p.id)} appears twice` };
    seen.add(p.id);
    try {
      if (!['http:', 'https:'].includes(new URL(p.issuer).protocol)) throw new Error('protocol');
    } catch {
      return { problem: `${key}: entry ${i}: issuer is not an http(s) URL` };
    }
  }
  return { value: (list as Record<string, string>[]).map((p) => Object.fromEntries(OIDC_FIELDS.map((f) => [f, p[f]]))) };
}

/** A trusted_proxies entry: a named range (loopback, …), an address, or an address/prefix. */
export function isProxySpec(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [addr, bits, extra] = entry.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

