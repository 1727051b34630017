import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DOCUMENTS_CORS } from '../infra/resources.js';

/**
 * The bucket's CORS rule in front of the local S3 emulator. fauxqs serves S3 but answers no CORS preflight,
 * so a page could not PUT a document to a presigned URL as it does on AWS (where the bucket's CORS rule
 * answers). This loopback proxy answers the preflight with the same rule the stack deploys and passes every
 * other request to the emulator untouched.
 */
export interface S3CorsProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const startS3CorsProxy = async (emulatorEndpoint: string): Promise<S3CorsProxy> => {
  const target = new URL(emulatorEndpoint);
  const corsHeaders = (origin: string | undefined) => ({
    'access-control-allow-origin': origin ?? '*',
    'access-control-allow-methods': DOCUMENTS_CORS.allowedMethods.join(', '),
    'access-control-allow-headers': DOCUMENTS_CORS.allowedHeaders.join(', '),
    'access-control-max-age': String(DOCUMENTS_CORS.maxAgeSeconds),
    vary: 'Origin',
  });
  const server = createServer((incoming, outgoing) => {
    const origin = incoming.headers.origin;
    if (incoming.method === 'OPTIONS') {
      outgoing.writeHead(200, corsHeaders(origin)).end();
      return;
    }
    const forwarded = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, {
          ...answer.headers,
          ...(origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}),
        });
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
