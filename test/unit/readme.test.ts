import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../lib/api/routes.js';
import { EnvVar } from '../../lib/infra/resources.js';

const readme = readFileSync('README.md', 'utf8');

describe('the README stays in step with the code', () => {
  it('lists every route of the API', () => {
    const missing = allRoutes
      .filter((route) => !readme.includes(`\`${route.path}\``))
      .map((route) => route.path);
    expect(missing).toEqual([]);
  });

  it('documents every environment variable the code reads', () => {
    const missing = Object.values(EnvVar).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
