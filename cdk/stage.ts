import { allRoutes, type RouteDefinition } from '../lib/api/routes.js';
import {
  type BackgroundFunctionSpec,
  backgroundFunctions,
  type FunctionSpec,
  fallbackFunction,
} from '../lib/infra/functions.js';
import { type QueueKey, Queues, type TableKey, Tables } from '../lib/infra/resources.js';

/**
 * What one deployment stage contains, derived from the manifest (lib/api/routes.ts, lib/infra/functions.ts,
 * lib/infra/resources.ts) and nothing else. Adding a route, function, table or queue there adds it here.
 */
export const STAGES = ['local', 'staging', 'production'] as const;
export type Stage = (typeof STAGES)[number];
/**
 * The stage to synthesize. There is no default: a `cdk deploy` without `-c stage=…` used to deploy staging,
 * with the unauthenticated sandbox routes, to whatever account the shell pointed at.
 */
export const parseStage = (value: unknown): Stage => {
  if (value === undefined || value === null || value === '')
    throw new Error(
      `deploying needs an explicit stage: -c stage=${STAGES.filter((s) => s !== 'local').join(' or -c stage=')}`,
    );
  if (typeof value === 'string' && (STAGES as readonly string[]).includes(value)) return value as Stage;
  throw new Error(`context "stage" must be one of ${STAGES.join(', ')}; got ${JSON.stringify(value)}`);
};

/** The simulated external parties (sandbox) are deployed everywhere except production. */
export const deploysSandbox = (stage: Stage): boolean => stage !== 'production';

/**
 * Tables and queues that only the sandbox uses. The manifest says so in prose ("Never deployed to
 * production", "Sandbox only") but has no field for it yet, so the two are named here until
 * `TableDefinition` / `QueueDefinition` carry `sandboxOnly` (a definition's own flag always wins).
 */
const UNFLAGGED_SANDBOX_TABLES: readonly TableKey[] = ['sandbox'];
const UNFLAGGED_SANDBOX_QUEUES: readonly QueueKey[] = ['webhookDelivery'];

const flag = (definition: object): boolean | undefined => {
  const value = (definition as { sandboxOnly?: unknown }).sandboxOnly;
  return typeof value === 'boolean' ? value : undefined;
};

export const isSandboxTable = (key: TableKey): boolean =>
  flag(Tables[key]) ?? UNFLAGGED_SANDBOX_TABLES.includes(key);
export const isSandboxQueue = (key: QueueKey): boolean =>
  flag(Queues[key]) ?? UNFLAGGED_SANDBOX_QUEUES.includes(key);

export interface StagePlan {
  readonly stage: Stage;
  readonly tables: readonly TableKey[];
  readonly queues: readonly QueueKey[];
  readonly routes: readonly RouteDefinition[];
  readonly backgroundFunctions: readonly BackgroundFunctionSpec[];
  readonly fallbackFunction: FunctionSpec;
}

const keysOf = <K extends string>(record: Record<K, unknown>): K[] => Object.keys(record) as K[];

export const planStage = (stage: Stage): StagePlan => {
  const sandbox = deploysSandbox(stage);
  const included = (spec: FunctionSpec) => sandbox || !spec.sandboxOnly;
  const plan: StagePlan = {
    stage,
    tables: keysOf(Tables).filter((key) => sandbox || !isSandboxTable(key)),
    queues: keysOf(Queues).filter((key) => sandbox || !isSandboxQueue(key)),
    routes: allRoutes.filter(included),
    backgroundFunctions: (backgroundFunctions as readonly BackgroundFunctionSpec[]).filter(included),
    fallbackFunction,
  };
  assertConsistent(plan);
  return plan;
};

/** Every function the stage deploys; ids are unique across routes and background functions. */
export const functionsOf = (plan: StagePlan): readonly FunctionSpec[] => [
  ...plan.routes,
  ...plan.backgroundFunctions,
  plan.fallbackFunction,
];

/**
 * Whole minutes are an EventBridge rate; a period that divides a minute (1-30 s) runs as a series of
 * invocations inside each minute (see cdk/constructs/schedule.ts). Anything else has no exact expression.
 */
export const isSchedulable = (everySeconds: number): boolean =>
  Number.isInteger(everySeconds) &&
  everySeconds > 0 &&
  (everySeconds % 60 === 0 || (everySeconds < 60 && 60 % everySeconds === 0));

/**
 * Fails synthesis on a manifest the stage cannot honour: duplicate ids or routes, a deployed function that
 * consumes a queue the stage does not deploy, a consumer slower than its queue allows for, two consumers of
 * one queue, more than one authorizer, or a schedule with no exact expression. (Sending to or declaring a
 * table the stage does not deploy is a warning of the stack, not an error: see KuotaStack.grant.)
 */
const assertConsistent = (plan: StagePlan): void => {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const spec of functionsOf(plan)) {
    if (seen.has(spec.id)) problems.push(`function id "${spec.id}" is used twice`);
    seen.add(spec.id);
  }
  const consumers = new Map<QueueKey, string>();
  for (const spec of plan.backgroundFunctions) {
    const trigger = spec.trigger;
    if (trigger.kind === 'queue') {
      const queue = Queues[trigger.queue];
      if (!plan.queues.includes(trigger.queue))
        problems.push(
          `${spec.id} consumes queue "${trigger.queue}", which stage ${plan.stage} does not deploy`,
        );
      if (spec.timeoutSeconds > queue.consumerTimeoutSeconds)
        problems.push(
          `${spec.id} times out after ${spec.timeoutSeconds}s but queue "${trigger.queue}" is sized for ` +
            `consumers of at most ${queue.consumerTimeoutSeconds}s (consumerTimeoutSeconds)`,
        );
      const other = consumers.get(trigger.queue);
      if (other) problems.push(`queue "${trigger.queue}" has two consumers: ${other} and ${spec.id}`);
      consumers.set(trigger.queue, spec.id);
    }
    if (trigger.kind === 'schedule' && !isSchedulable(trigger.everySeconds))
      problems.push(
        `${spec.id} runs every ${trigger.everySeconds}s; a schedule must be whole minutes or divide a minute`,
      );
  }
  const authorizers = plan.backgroundFunctions.filter((spec) => spec.trigger.kind === 'authorizer');
  if (authorizers.length > 1) problems.push(`more than one authorizer: ${authorizers.map((s) => s.id)}`);
  const routeKeys = new Set<string>();
  for (const route of plan.routes) {
    const key = `${route.method} ${route.path}`;
    if (routeKeys.has(key)) problems.push(`route ${key} is defined twice`);
    routeKeys.add(key);
  }
  if (problems.length > 0) throw new Error(`the manifest cannot be deployed:\n  ${problems.join('\n  ')}`);
};
