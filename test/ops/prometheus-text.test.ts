import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleSum } from './prometheus-text.js';

const VALID = [
  '# HELP http_requests_total HTTP requests',
  '# TYPE http_requests_total counter',
  'http_requests_total{service="api",route="/user",status="201"} 3',
  'http_requests_total{service="api",route="/healthz",status="200"} 2',
  '# TYPE lat histogram',
  'lat_bucket{le="0.1"} 1',
  'lat_bucket{le="+Inf"} 2',
  'lat_sum 0.3',
  'lat_count 2',
  '# TYPE up gauge',
  'up 1e0 1700000000000',
  '# TYPE big gauge',
  'big +Inf',
  '',
].join('\n');

describe('parsePrometheusText', () => {
  it('reads families, labels, histograms and values', () => {
    const families = parsePrometheusText(VALID);
    expect(families.get('http_requests_total')?.type).toBe('counter');
    expect(sampleSum(families, 'http_requests_total', { service: 'api' })).toBe(5);
    expect(sampleSum(families, 'http_requests_total', { route: '/user' })).toBe(3);
    expect(families.get('lat')?.samples).toHaveLength(4);
    expect(families.get('lat')?.samples[1]).toEqual({ name: 'lat_bucket', labels: { le: '+Inf' }, value: 2 });
    expect(sampleSum(families, 'big')).toBe(Infinity);
    expect(sampleSum(families, 'up')).toBe(1);
  });

  // prom-client writes `Nan` (nodejs_eventloop_lag_mean_seconds before the first sample); Prometheus
  // reads special values with Go's ParseFloat, case-insensitively.
  it.each([
    ['NaN', NaN],
    ['Nan', NaN],
    ['nan', NaN],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
    ['+inf', Infinity],
    ['-INF', -Infinity],
    ['Infinity', Infinity],
    ['-infinity', -Infinity],
  ])('reads the special value %s', (raw, value) => {
    const families = parsePrometheusText(`# TYPE g gauge\ng{a="b"} ${raw}\n`);
    expect(families.get('g')?.samples[0].value).toBe(value);
  });

  it.each([
    ['a sample without a TYPE', 'orphan_total 1'],
    ['a value that is not a number', '# TYPE a counter\na one'],
    ['an unquoted label value', '# TYPE a counter\na{x=1} 1'],
    ['a space inside the name', '# TYPE a counter\na b 1'],
    ['an unknown type', '# TYPE a thing'],
    ['a duplicate label', '# TYPE a counter\na{x="1",x="2"} 1'],
    ['an unclosed label set', '# TYPE a counter\na{x="1" 1'],
    ['a signed NaN', '# TYPE a gauge\na -NaN'],
    ['a word that starts like Inf', '# TYPE a gauge\na Info'],
    ['a word that starts like NaN', '# TYPE a gauge\na nano'],
  ])('rejects %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
