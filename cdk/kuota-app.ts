import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KuotaStack } from './stack.js';
import { parseStage } from './stage.js';

export interface KuotaAppOptions {
  /** CDK context, as `cdk -c key=value` would pass it (tests set `stage` and `aws:cdk:bundling-stacks`). */
  readonly context?: Record<string, unknown>;
  readonly outdir?: string;
}

const optionalString = (app: App, key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context "${key}" must be a string`);
  return value;
};

/**
 * The CDK app: one env-agnostic stack for the stage named by context `stage` (required), checked by
 * cdk-nag's AWS Solutions pack at synthesis. No account or region lookups: synth runs offline.
 */
export const createKuotaApp = (options: KuotaAppOptions = {}): { app: App; stack: KuotaStack } => {
  const app = new App({
    // Server access logs are delivered under a bucket policy, not the legacy LogDeliveryWrite ACL.
    context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true, ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stage = parseStage(app.node.tryGetContext('stage'));
  const webAclArn = optionalString(app, 'webAclArn');
  const alarmTopicArn = optionalString(app, 'alarmTopicArn');
  const accountConcurrency = optionalString(app, 'accountConcurrency');
  if (accountConcurrency !== undefined && !/^[1-9][0-9]*$/.test(accountConcurrency))
    throw new Error('context "accountConcurrency" must be a whole number (the Lambda concurrency quota)');
  const stockShards = optionalString(app, 'stockShards');
  if (stockShards !== undefined && !(/^[1-9][0-9]*$/.test(stockShards) && Number(stockShards) <= 90))
    throw new Error('context "stockShards" must be a whole number from 1 to 90 (stock shards per reseller)');
  const stack = new KuotaStack(app, `kuota-${stage}`, {
    stage,
    ...(stockShards ? { stockShards: Number(stockShards) } : {}),
    ...(webAclArn ? { webAclArn } : {}),
    ...(alarmTopicArn ? { alarmTopicArn } : {}),
    ...(accountConcurrency ? { accountConcurrency: Number(accountConcurrency) } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
};
