import { describe, expect, it } from 'vitest';
import { isCrossSiteWrite, isMetricsPath } from '../../src/edge/edge-rules.js';

describe('rules', () => {
  it.each([
    ['POST', {}, true, false],
    ['POST', { origin: 'http://site.test:9006' }, true, false],
    ['POST', { origin: 'http://evil.test' }, true, true],
    ['POST', { origin: 'http://site.test:9007' }, true, true],
    ['POST', { origin: 'null' }, true, true],
    ['POST', { origin: 'not a url' }, true, true],
    ['DELETE', { 'sec-fetch-site': 'cross-site' }, true, true],
    ['PUT', { 'sec-fetch-site': 'same-origin', origin: 'http://site.test:9006' }, true, false],
    ['PATCH', { 'sec-fetch-site': 'none' }, true, false],
    ['GET', { origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' }, true, false],
  ] as const)('%s with %j → cross-site write: %s/%s', (method, headers, _x, expected) => {
    expect(isCrossSiteWrite(method, headers, 'site.test:9006')).toBe(expected);
  });

  it.each([
    ['/metrics', true],
    ['/api/metrics', true],
    ['/api//metrics/', true],
    ['/api/%6Detrics', true],
    ['/metrics?x=1', true],
    ['/api/docs', false],
    ['/api/metricsx', false],
    ['/api/user/metrics', false],
  ])('%s is a metrics path: %s', (url, expected) => {
    expect(isMetricsPath(url)).toBe(expected);
  });
});
