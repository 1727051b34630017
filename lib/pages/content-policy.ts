/**
 * The pages' Content-Security-Policy: their own inline script and style, modules and workers from this
 * origin (PDF.js), and, for pages that upload or download documents, the documents bucket's origin.
 */
export const pageContentPolicy = (options: { readonly documentsOrigin?: string } = {}): string =>
  [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "worker-src 'self' blob:",
    `connect-src 'self'${options.documentsOrigin ? ` ${options.documentsOrigin}` : ''}`,
  ].join('; ');
