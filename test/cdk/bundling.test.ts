import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, KuotaFunction } from '../../cdk/constructs/kuota-function.js';
import { deadLetterEnvVarOf, REPO_ROOT } from '../../cdk/stack.js';
import { allRoutes } from '../../lib/api/routes.js';
import { backgroundFunctions, fallbackFunction } from '../../lib/infra/functions.js';
import { Buckets, EnvVar, Queues, Tables } from '../../lib/infra/resources.js';
import { withoutCfnLint } from './template-model.js';

/** The one test that runs esbuild: the bundle the stack would upload loads on this Node and answers. */
const environment: Record<string, string> = { [EnvVar.stage]: 'staging' };
for (const table of Object.values(Tables)) environment[table.envVar] = `kuota-staging-${table.logicalName}`;
for (const bucket of Object.values(Buckets))
  environment[bucket.envVar] = `kuota-staging-${bucket.logicalName}`;
const queueUrl = (name: string) =>
  `https://sqs.ap-southeast-3.amazonaws.com/123456789012/kuota-staging-${name}`;
for (const queue of Object.values(Queues)) {
  environment[queue.envVar] = queueUrl(queue.logicalName);
  const deadLetterEnvVar = deadLetterEnvVarOf(queue);
  if (deadLetterEnvVar) environment[deadLetterEnvVar] = queueUrl(`${queue.logicalName}-dlq`);
}
const saved = Object.fromEntries(Object.keys(environment).map((name) => [name, process.env[name]]));

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const event = (httpMethod: string, requestPath: string) =>
  ({ httpMethod, path: requestPath, headers: {}, body: null }) as unknown as APIGatewayProxyEvent;

describe('function bundling', () => {
  it('bundles a handler into an ESM file that defines require and runs on this Node', async () => {
    // Arrange
    const app = new App();
    const stack = new Stack(app, 'Bundling');
    new KuotaFunction(stack, 'Fallback', {
      spec: fallbackFunction,
      stage: 'staging',
      prefix: 'kuota-staging',
      repoRoot: REPO_ROOT,
      environment,
    });
    const functions = withoutCfnLint(() => Template.fromStack(stack)).findResources('AWS::Lambda::Function');
    const code = Object.values(functions)[0]?.Properties.Code as { S3Key: string };
    const bundleDir = path.join(app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);

    // Act
    const source = readFileSync(path.join(bundleDir, 'index.mjs'), 'utf8');
    Object.assign(process.env, environment);
    const { handler } = (await import(pathToFileURL(path.join(bundleDir, 'index.mjs')).href)) as {
      handler: (e: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
    };
    const notFound = await handler(event('GET', '/no/such/thing'));
    const wrongMethod = await handler(event('DELETE', '/openapi.json'));

    // Assert
    expect(source.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    expect(source).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(notFound.statusCode).toBe(404);
    expect(JSON.parse(notFound.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.allow).toBe('GET');
  });
});

describe('production bundles', () => {
  it('carry none of the tooling: no benchmark, meter, baseline or surge code in any deployed function', async () => {
    // Arrange: every function a stage deploys, bundled as the stack bundles them (one esbuild pass).
    const { build } = await import('esbuild');
    const deployed = [...allRoutes, ...backgroundFunctions, fallbackFunction];
    const entryPoints = deployed.map((spec) => path.join(REPO_ROOT, spec.entry));

    // Act
    const result = await build({
      entryPoints,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      outdir: path.join(REPO_ROOT, 'cdk.out', 'bundle-check'),
      external: ['@aws-sdk/*', '@smithy/*'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules'));

    // Assert: the product's own sources only; tools/ is reached by scripts and tests alone.
    expect(inputs.length).toBeGreaterThan(50);
    expect(inputs.filter((input) => input.startsWith('tools/') || input.startsWith('scripts/'))).toEqual([]);
    expect(inputs.filter((input) => input.startsWith('test/'))).toEqual([]);
    // By name too: the meter used to sit in lib/adapters and ride on every production client.
    expect(inputs.filter((input) => /capacity-meter|baseline|surge|bench/.test(input))).toEqual([]);
    expect(inputs.some((input) => input.startsWith('lib/adapters/'))).toBe(true);
  });
});
