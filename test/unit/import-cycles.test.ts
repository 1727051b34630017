import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No module imports itself through others (a cycle makes load order decide what a module sees). Type-only
 * imports vanish at build time and do not count.
 */
const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const FOLDERS = ['lib', 'functions', 'cdk', 'tools', 'scripts'];

const sourcesBelow = (folder: string): string[] =>
  readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourcesBelow(path);
    return path.endsWith('.ts') ? [path] : [];
  });

/** The project modules a source imports for their values (relative specifiers, `.js` → `.ts`). */
const valueImportsOf = (file: string): string[] => {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const resolve = (specifier: string) => normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
  const typeOnly = new Set(
    [...text.matchAll(/import type [^;]+? from '(\.[^']+)'/g)].map((match) => resolve(match[1] as string)),
  );
  return [...text.matchAll(/from '(\.[^']+)'/g)]
    .map((match) => resolve(match[1] as string))
    .filter((target) => existsSync(join(ROOT, target)) && !typeOnly.has(target));
};

const cyclesOf = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
};

describe('module imports', () => {
  it('form no cycle in product or tooling code', () => {
    // Arrange
    const files = FOLDERS.flatMap(sourcesBelow);
    const graph = new Map(files.map((file) => [file, valueImportsOf(file)]));

    // Act
    const cycles = cyclesOf(graph);

    // Assert: the graph is real (modules do import each other), and acyclic
    expect(files.length).toBeGreaterThan(100);
    expect([...graph.values()].flat().length).toBeGreaterThan(files.length);
    expect(cycles.map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('would see a cycle: the detector finds one in a made-up graph', () => {
    const cycles = cyclesOf(
      new Map([
        ['a.ts', ['b.ts']],
        ['b.ts', ['c.ts']],
        ['c.ts', ['a.ts']],
      ]),
    );
    expect(cycles).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
  });
});
