// Every package npm installs must run on the Node version package.json promises; otherwise `npm ci`
// warns EBADENGINE (cookie@2 and content-disposition@3 want Node 22 and are pinned back to the
// releases of the same code that support Node 20, through `overrides`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helper.js';

type Version = [number, number, number];

function parse(v: string): Version {
  const [a = 0, b = 0, c = 0] = v.replace(/^v/, '').split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
  return [a, b, c];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Whether `v` satisfies one comparator set (space-separated, all must hold) of an npm range. */
function satisfiesSet(v: Version, set: string): boolean {
  const parts = set.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').trim().split(/\s+/).filter(Boolean);
  return parts.every((part) => {
    const m = /^(>=|<=|>|<|=|\^|~)?v?([\dxX*]+(?:\.[\dxX*]+)?(?:\.[\dxX*]+)?)$/.exec(part);
    if (!m) throw new Error(`cannot read the engine range part ${JSON.stringify(part)}`);
    const op = m[1] ?? '';
    const fields = m[2].split('.');
    const wild = fields.findIndex((f) => /^[xX*]$/.test(f));
    const given = wild === -1 ? fields.length : wild;
    const base = parse(fields.slice(0, given).join('.'));
    if (op === '' || op === '=') {
      if (given === 0) return true;
      // A partial version (20, 20.x) is a range over what it leaves out.
      return v.slice(0, given).every((n, i) => n === base[i]);
    }
    const c = compare(v, base);
    if (op === '>=') return c >= 0;
    if (op === '>') return c > 0;
    if (op === '<=') return c <= 0;
    if (op === '<') return c < 0;
    if (op === '^') return c >= 0 && (base[0] !== 0 ? v[0] === base[0] : v[0] === 0 && v[1] === base[1]);
    return c >= 0 && v[0] === base[0] && (given < 2 || v[1] === base[1]); // ~
  });
}

export function satisfies(version: string, range: string): boolean {
  return range.split('||').some((set) => satisfiesSet(parse(version), set.trim() === '' ? '*' : set));
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
const floor = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)?.[1];

describe('Node engines', () => {
  it.each([
    ['20.19.0', '>=20.19.0', true],
    ['20.18.1', '>=20.19.0', false],
    ['20.19.0', '>=22', false],
    ['20.19.0', '^20.19.0 || >=22.12.0', true],
    ['21.0.0', '^20.19.0 || >=22.12.0', false],
    ['20.19.0', '20 || >=22', true],
    ['20.19.0', '20.x || 22.x', true],
    ['20.19.0', '18 || 20 || >=22', true],
    ['20.19.0', '>= 18.19.0', true],
    ['20.19.0', '10.* || >= 12.*', true],
    ['20.19.0', '>=16 || 14 >=14.17', true],
    ['20.19.0', '^18.0.0 || ^20.0.0 || >=22.0.0', true],
    ['20.19.0', '*', true],
  ])('the range reader: %s in %j is %s', (v, range, expected) => {
    expect(satisfies(v, range)).toBe(expected);
  });

  it('package.json promises a minimum Node version', () => {
    expect(floor, pkg.engines.node).toMatch(/^20\./);
  });

  it('every locked package runs on that minimum (no EBADENGINE from npm ci)', () => {
    const refused = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string')
      .filter(([, p]) => !satisfies(floor!, (p.engines as { node: string }).node))
      .map(([name, p]) => `${name} wants node ${(p.engines as { node: string }).node}`);
    expect(refused).toEqual([]);
  });
});
