import { DomainError } from '../domain/errors.js';

/**
 * Opaque page cursors: base64url JSON of a position. A cursor comes back from the client, so it is checked
 * before use: every DynamoDB start key in it must be a key of the very partition the page reads (the
 * caller's, never another), with string attributes only; anything else is a 400 naming `query.cursor`.
 */
export const encodeCursor = (position: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

export const invalidCursor = (): DomainError =>
  new DomainError('VALIDATION_FAILED', 'the cursor is not one this API returned', [
    { path: 'query.cursor', message: 'must be a cursor returned by a previous page' },
  ]);

export const decodeCursor = (text: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the validation error
  }
  throw invalidCursor();
};

/**
 * A start key from a cursor: exactly `attributes`, all strings, with `partition` (attribute → value) as
 * the page's own partition. Undefined when the cursor has none.
 */
export const startKeyOf = (
  raw: unknown,
  attributes: readonly string[],
  partition: Readonly<Record<string, string>>,
): Record<string, string> | undefined => {
  if (raw === undefined) return undefined;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw invalidCursor();
  const key = raw as Record<string, unknown>;
  const names = Object.keys(key).sort();
  if (names.join('|') !== [...attributes].sort().join('|')) throw invalidCursor();
  if (!names.every((name) => typeof key[name] === 'string' && (key[name] as string).length <= 1024))
    throw invalidCursor();
  for (const [name, value] of Object.entries(partition)) if (key[name] !== value) throw invalidCursor();
  return key as Record<string, string>;
};

/** A small non-negative integer from a cursor (a phase's index), below `bound`. */
export const indexOf = (raw: unknown, bound: number): number => {
  if (raw === undefined) return 0;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw >= bound) throw invalidCursor();
  return raw;
};
