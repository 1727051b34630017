import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionSpec, LAMBDA_ARCHITECTURE } from '../../lib/infra/functions.js';
import type { Stage } from '../stage.js';

/**
 * Node 24 (LTS) is the runtime every local command and test runs on (the `node` package in devDependencies);
 * Lambda runs the same major and bundles target it.
 */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
const ESBUILD_TARGET = 'node24';

/** ESM bundles have no `require`; some CommonJS dependencies still call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface KuotaFunctionProps {
  readonly spec: FunctionSpec;
  readonly stage: Stage;
  readonly prefix: string;
  readonly repoRoot: string;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * One Lambda function of the manifest: its own role (no managed policies: the only standing permission is
 * writing to its own log group), its own log group with a retention, X-Ray tracing, an ESM bundle.
 * Data-plane grants are added by the stack from the spec, never here.
 */
export class KuotaFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: KuotaFunctionProps) {
    super(scope, id);
    const { spec, stage } = props;
    const production = stage === 'production';
    const functionName = `${props.prefix}-${spec.id}`;
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      functionName,
      description: spec.description.slice(0, 256),
      entry: path.join(props.repoRoot, spec.entry),
      handler: 'handler',
      projectRoot: props.repoRoot,
      depsLockFilePath: path.join(props.repoRoot, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: LAMBDA_ARCHITECTURE === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
      timeout: Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memoryMb,
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      // Stack traces of the minified bundle point at the TypeScript sources.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // The pinned SDK the code is tested with, not whichever version the runtime happens to ship.
        bundleAwsSDK: true,
        ...(spec.nodeModules?.length ? { nodeModules: [...spec.nodeModules] } : {}),
      },
    });
  }
}
