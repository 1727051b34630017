import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../lib/api/routes.js';
import { configurationVariables, type VariableDoc } from '../../lib/config.js';
import { EnvVar, SECRET_NAMES, secretArnEnvVar } from '../../lib/infra/resources.js';

const README = 'README.md';
const readme = readFileSync(README, 'utf8');

/** The Configuration table is generated from lib/config.ts and lives between these markers. */
const BEGIN =
  '<!-- configuration table: generated from lib/config.ts; `KUOTA_UPDATE_README=1 npx vitest run test/unit/readme.test.ts` rewrites it -->';
const END = '<!-- end of configuration table -->';

const defaultCell = (variable: VariableDoc): string => {
  if (variable.default !== undefined) return `\`${variable.default}\``;
  if (variable.requirement === 'required') return 'required';
  if (variable.requirement === 'sandbox') return 'required outside production';
  return variable.unset ?? '—';
};

const configurationTable = (): string =>
  [
    '| variable | default | meaning |',
    '|---|---|---|',
    ...configurationVariables().map(
      (variable) => `| \`${variable.name}\` | ${defaultCell(variable)} | ${variable.doc} |`,
    ),
  ].join('\n');

const section = (text: string, heading: string): string => {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
};

/** The names in the first cell of each table row of the text, and its second cell. */
const rowsOf = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [first = '', second = ''] = line.slice(2).split(' | ');
      return { names: [...first.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''), defaultCell: second };
    });

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

describe("the README's Configuration table", () => {
  const configuration = section(readme, 'Configuration');

  it('is the one generated from lib/config.ts', () => {
    // Arrange
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    expect(start, 'the markers of the generated table').toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const expected = `${BEGIN}\n${configurationTable()}\n${END}`;

    // Act
    const current = readme.slice(start, end + END.length);
    // The README's copy changes only on request, so a test run leaves the work tree clean.
    if (current !== expected && process.env.KUOTA_UPDATE_README === '1')
      writeFileSync(README, readme.slice(0, start) + expected + readme.slice(end + END.length));

    // Assert
    expect(current).toBe(expected);
    expect(configuration).toContain(current);
  });

  it('has a row naming every variable config() reads, showing its default', () => {
    // Arrange
    const rows = rowsOf(configuration);

    // Act
    const wrong = configurationVariables().flatMap((variable) => {
      const row = rows.find((candidate) => candidate.names.includes(variable.name));
      if (!row) return [`${variable.name}: no row`];
      if (variable.default !== undefined && !row.defaultCell.includes(`\`${variable.default}\``))
        return [`${variable.name}: the row's default is not \`${variable.default}\``];
      return [];
    });

    // Assert
    expect(wrong).toEqual([]);
  });

  it('names no variable that does not exist', () => {
    // Arrange: what config() reads, the secrets lib/secrets.ts reads, and the pattern of their ARNs on AWS.
    const known = new Set<string>([
      ...configurationVariables().map((variable) => variable.name),
      ...SECRET_NAMES.map((name) => EnvVar[name]),
      `${secretArnEnvVar('nikHmacKey').replace(/NIK_HMAC_KEY$/, '')}<NAME>`,
      ...SECRET_NAMES.map(secretArnEnvVar),
    ]);

    // Act
    const named = rowsOf(configuration).flatMap((row) =>
      row.names.filter((name) => /^[A-Z][A-Z0-9_<>]+$/.test(name)),
    );
    const unknown = named.filter((name) => !known.has(name));

    // Assert
    expect(named.length).toBeGreaterThan(configurationVariables().length);
    expect(unknown).toEqual([]);
  });
});

describe('the README layout table ("Where things live")', () => {
  it('names only paths that exist in the tree', () => {
    // Arrange
    const start = readme.indexOf('### Where things live');
    const table = readme.slice(start, readme.indexOf('\n\n*', start));

    // Act: every code-quoted path in it (patterns such as `<feature>` stand for many and are left out)
    const paths = [...table.matchAll(/`([a-z][\w./-]*\/[\w./-]*)`/g)].map((match) => match[1] as string);
    const missing = paths.filter((path) => !existsSync(path.replace(/\/$/, '')));

    // Assert
    expect(start).toBeGreaterThan(0);
    expect(paths.length).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  });
});
