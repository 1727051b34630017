/**
 * HTTP header names are case-insensitive (RFC 9110), and API Gateway passes them as the client sent them:
 * every lookup of a request header goes through here.
 */
export const headerValue = (
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  name: string,
): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
};

/**
 * A resource's entity tag from its version (RFC 9110 weak validator: every change raises the version, and
 * two answers of one version are the same resource state).
 */
export const versionEtag = (version: number): string => `W/"${version}"`;

/** The version an `If-None-Match` names (its first entity tag; `*` or a malformed value names none). */
export const versionFromEtag = (header: string | undefined): number | undefined => {
  const match = /^\s*(?:W\/)?"(\d+)"/.exec(header ?? '');
  return match ? Number(match[1]) : undefined;
};
