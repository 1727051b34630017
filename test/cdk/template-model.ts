import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { createKuotaApp } from '../../cdk/kuota-app.js';
import type { Stage } from '../../cdk/stage.js';

/**
 * Reads a synthesized kuota template as the facts the tests assert on: which methods exist at which paths,
 * which policy statements a function's role has. Everything comes from the template, not from the stack's
 * construct objects, so the assertions check what CloudFormation would receive.
 */
export type CfnResource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
export type Resources = Record<string, CfnResource>;

/** Skip esbuild: template-only tests do not need the bundles. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/**
 * Runs a synthesis without CDK's built-in CloudFormation linter (a WebAssembly cfn-lint that costs seconds
 * per process and checks nothing cdk-nag or these tests do); validation plugins such as cdk-nag still run.
 * `npx cdk synth` keeps the linter on.
 */
export const withoutCfnLint = <T>(synthesize: () => T): T => {
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    return synthesize();
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
};

/**
 * Synthesizes the app for a stage, as `cdk synth` would: the cdk-nag plugin runs and throws on any
 * unacknowledged finding.
 */
export const synthesizeStage = (stage: Stage, context: Record<string, unknown> = {}) => {
  const { app, stack } = createKuotaApp({ context: { stage, ...NO_BUNDLING, ...context } });
  const assembly = withoutCfnLint(() => app.synth());
  const artifact = assembly.getStackByName(stack.stackName);
  const template = Template.fromJSON(artifact.template);
  const parentResources = template.toJSON().Resources as Resources;
  const nestedStacks = stack.node.findAll().filter(NestedStack.isNestedStack);
  const nested = nestedStacks.map((nestedStack) => ({
    id: nestedStack.node.id,
    resources: nestedResources(
      parentResources,
      stack.resolve(nestedStack.nestedStackResource?.logicalId) as string,
      JSON.parse(readFileSync(join(assembly.directory, nestedStack.templateFile), 'utf8')) as {
        Resources: Resources;
      },
    ),
  }));
  const resources: Resources = Object.assign({}, parentResources, ...nested.map((n) => n.resources));
  return {
    app,
    stack,
    template,
    /** Every resource of the stack and of its nested stacks, as one deployment would create them. */
    resources,
    /** The stack's own resources only: the ones CloudFormation's per-stack limit counts. */
    parentResources,
    /** Each nested stack's own resources, by its construct id. */
    nestedResourcesById: new Map(nested.map((n) => [n.id, n.resources])),
    messages: artifact.messages,
  };
};

/**
 * A nested stack's resources with each parameter reference replaced by what the parent passes in (for a
 * function, `Fn::GetAtt [<function>, Arn]`), so a method's integration names the parent's function id as
 * it would in one flat template.
 */
const nestedResources = (
  parentResources: Resources,
  nestedStackLogicalId: string,
  nestedTemplate: { Resources: Resources },
): Resources => {
  const passed =
    (parentResources[nestedStackLogicalId]?.Properties?.Parameters as Record<string, unknown> | undefined) ??
    {};
  const substitute = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(substitute);
    if (value && typeof value === 'object') {
      const ref = (value as { Ref?: unknown }).Ref;
      if (typeof ref === 'string' && ref in passed && Object.keys(value).length === 1) return passed[ref];
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, substitute(inner)]));
    }
    return value;
  };
  return substitute(nestedTemplate.Resources) as Resources;
};

export const ofType = (resources: Resources, type: string): [string, CfnResource][] =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

const props = (resource: CfnResource | undefined): Record<string, unknown> => resource?.Properties ?? {};

/** `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attr] }` → id. */
export const referencedId = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    if ('Ref' in value) return String((value as { Ref: unknown }).Ref);
    if ('Fn::GetAtt' in value) return String((value as { 'Fn::GetAtt': unknown[] })['Fn::GetAtt'][0]);
  }
  return undefined;
};

/** Full path of an API Gateway resource, from its PathPart and ParentId chain (the root is a GetAtt). */
const resourcePath = (resources: Resources, resourceId: unknown): string => {
  const id = referencedId(resourceId);
  const resource = id ? resources[id] : undefined;
  if (resource?.Type !== 'AWS::ApiGateway::Resource') return '';
  const { ParentId, PathPart } = props(resource);
  return `${resourcePath(resources, ParentId)}/${String(PathPart)}`;
};

export interface TemplateMethod {
  readonly logicalId: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly authorizationType: unknown;
  readonly authorizerId: string | undefined;
  readonly integrationFunctionId: string | undefined;
}

/** Every API method in the template with its full path and the Lambda function its integration invokes. */
export const apiMethods = (resources: Resources): TemplateMethod[] =>
  ofType(resources, 'AWS::ApiGateway::Method').map(([logicalId, resource]) => {
    const p = props(resource);
    const integration = p.Integration as { Uri?: { 'Fn::Join'?: [string, unknown[]] } } | undefined;
    const uriParts = integration?.Uri?.['Fn::Join']?.[1] ?? [];
    const functionIds = uriParts
      .map(referencedId)
      .filter((id): id is string => id !== undefined && !id.startsWith('AWS::'));
    return {
      logicalId,
      httpMethod: String(p.HttpMethod),
      path: resourcePath(resources, p.ResourceId) || '/',
      authorizationType: p.AuthorizationType,
      authorizerId: referencedId(p.AuthorizerId),
      integrationFunctionId: functionIds[0],
    };
  });

export const functionIdByName = (resources: Resources, functionName: string): string | undefined =>
  ofType(resources, 'AWS::Lambda::Function').find(([, fn]) => props(fn).FunctionName === functionName)?.[0];

export interface Statement {
  readonly actions: readonly string[];
  readonly resource: unknown;
  readonly condition?: Record<string, Record<string, unknown>>;
}

/**
 * Every Allow statement of every IAM policy of the role of the given function: the role's own inline
 * policies (where the stack puts its grants) and any AWS::IAM::Policy attached to it.
 */
export const statementsOfFunction = (resources: Resources, functionLogicalId: string): Statement[] => {
  const roleId = referencedId(props(resources[functionLogicalId]).Role);
  const documents: { Statement: Record<string, unknown>[] }[] = [];
  const inline = roleId
    ? (props(resources[roleId]).Policies as { PolicyDocument: unknown }[] | undefined)
    : [];
  for (const policy of inline ?? [])
    documents.push(policy.PolicyDocument as { Statement: Record<string, unknown>[] });
  for (const [, policy] of ofType(resources, 'AWS::IAM::Policy')) {
    const roles = (props(policy).Roles as unknown[]).map(referencedId);
    if (!roleId || !roles.includes(roleId)) continue;
    documents.push(props(policy).PolicyDocument as { Statement: Record<string, unknown>[] });
  }
  const statements: Statement[] = [];
  for (const document of documents) {
    for (const statement of document.Statement) {
      if (statement.Effect !== 'Allow') continue;
      const action = statement.Action as string | string[];
      statements.push({
        actions: Array.isArray(action) ? action : [action],
        resource: statement.Resource,
        ...(statement.Condition
          ? { condition: statement.Condition as Record<string, Record<string, unknown>> }
          : {}),
      });
    }
  }
  return statements;
};

export const actionsOfFunction = (resources: Resources, functionLogicalId: string): Set<string> =>
  new Set(statementsOfFunction(resources, functionLogicalId).flatMap((statement) => statement.actions));

/** Does a statement's Resource (a value, or a list of them) mention this logical id? */
export const mentions = (resource: unknown, logicalId: string): boolean =>
  JSON.stringify(resource).includes(`"${logicalId}"`);

export const DYNAMODB_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** Renders an `Fn::Join` as text, each reference as `<logicalId>`, so embedded JSON can be parsed. */
export const renderJoin = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(renderJoin).join(join[0]);
  return `<${referencedId(value) ?? '?'}>`;
};
