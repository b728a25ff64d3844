import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '@video/shared/testing';
import { buildTestApp, uniqueName, type TestApp } from '../helper.js';

describe.each(testDialects())('concurrent writes on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('concurrent sign-ups of one name: exactly one 201, the rest 409, never a 5xx', async () => {
    for (let round = 0; round < 5; round++) {
      const name = uniqueName('race');
      const results = await Promise.all(
        Array.from({ length: 12 }, () => t.app.inject({ method: 'POST', url: '/user', payload: { user_name: name, pwd: 'secret-pwd' } })),
      );
      const statuses = results.map((r) => r.statusCode).sort();
      expect(statuses.filter((s) => s === 201), results.map((r) => r.body).join('\n')).toHaveLength(1);
      expect(statuses.filter((s) => s !== 201 && s !== 409), results.map((r) => r.body).join('\n')).toEqual([]);
    }
  });
});
