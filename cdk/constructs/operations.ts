import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  metricDimensions,
  OperationsMetric,
  ReconciliationMetric,
} from '../../lib/infra/metrics.js';
import type { QueueKey, TableKey } from '../../lib/infra/resources.js';
import type { Stage } from '../stage.js';
import type { KuotaQueue } from './data.js';

/**
 * How old the oldest message of each queue may get before its alarm fires: about ten times what its
 * consumer needs when it keeps up. An order waiting for its reservation is a buyer waiting; a stamping, a
 * buyer waiting for a document; the rest are background work with retries of their own.
 */
export const QUEUE_AGE_ALARM_SECONDS: Readonly<Record<QueueKey, number>> = {
  storefrontOrders: 60,
  storefrontTimers: 300,
  stamping: 300,
  allocation: 900,
  resellerWebhooks: 900,
  webhookDelivery: 900,
};

/** Every alarm of the operations stack, by id: what it means and what to do is the README's runbook. */
export type OperationsAlarmId =
  | 'RefundsPastSla'
  | 'LedgerMismatch'
  | 'ReconciliationBacklog'
  | 'Api5xx'
  | 'ApiThrottled'
  | 'LambdaThrottles'
  | `${string}QueueAge`
  | `${string}TableThrottles`;

export interface KuotaOperationsProps {
  readonly stage: Stage;
  readonly prefix: string;
  readonly api: RestApi;
  readonly queues: ReadonlyMap<QueueKey, KuotaQueue>;
  readonly tables: ReadonlyMap<TableKey, Table>;
  readonly alarmTopic?: ITopic;
}

/**
 * The operator's view: alarms on what must never go unnoticed on a deadline day (money stuck in refunds,
 * a ledger that does not balance, recovery falling behind, buyers waiting in a queue, 5xx, throttling)
 * and one dashboard with the same figures beside the traffic.
 */
export class KuotaOperations extends Construct {
  readonly alarms: ReadonlyMap<OperationsAlarmId, Alarm>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: KuotaOperationsProps) {
    super(scope, id);
    const alarms = new Map<OperationsAlarmId, Alarm>();
    const kuotaMetric = (metricName: string, period: Duration, statistic = 'Maximum') =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: metricDimensions(props.stage),
        period,
        statistic,
      });
    const alarm = (
      alarmId: OperationsAlarmId,
      metric: IMetric,
      options: {
        threshold: number;
        evaluationPeriods: number;
        description: string;
        missing?: TreatMissingData;
      },
    ) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${props.prefix}-${alarmId}`,
        alarmDescription: `${options.description} (runbook: README, "Deadline day")`,
        metric,
        threshold: options.threshold,
        evaluationPeriods: options.evaluationPeriods,
        datapointsToAlarm: options.evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) created.addAlarmAction(new SnsAction(props.alarmTopic));
      alarms.set(alarmId, created);
      return created;
    };

    const minute = Duration.minutes(1);
    const refundsPastSla = kuotaMetric(OperationsMetric.refundsPastSla, minute);
    alarm('RefundsPastSla', refundsPastSla, {
      threshold: 1,
      evaluationPeriods: 5,
      description: 'A captured payment has waited past the refund SLA for the gateway to confirm its refund',
      // The sweeper publishes every minute, 0 included: no data means the sweeper itself is not running.
      missing: TreatMissingData.BREACHING,
    });
    const ledgerDifferences = kuotaMetric(OperationsMetric.ledgerDifferences, Duration.hours(1));
    alarm('LedgerMismatch', ledgerDifferences, {
      threshold: 1,
      evaluationPeriods: 2,
      description: 'Two hourly ledger checks in a row found stock, ledger and quota orders disagreeing',
    });
    const backlog = kuotaMetric(ReconciliationMetric.backlog, minute);
    alarm('ReconciliationBacklog', backlog, {
      threshold: 1,
      evaluationPeriods: 10,
      description: 'For 10 minutes the tax reconciliation could not check every billing awaiting payment',
    });

    const api5xx = props.api.metricServerError({ period: minute, statistic: 'Sum' });
    alarm('Api5xx', api5xx, {
      threshold: 1,
      evaluationPeriods: 1,
      description: 'The API answered 5xx: by design it never does (load is 429 with Retry-After)',
    });
    const api4xx = props.api.metricClientError({ period: minute, statistic: 'Sum' });
    const requests = props.api.metricCount({ period: minute, statistic: 'Sum' });
    // API Gateway counts 429s among the 4xx; a surge of them beside the traffic is throttling.
    const throttledShare = new MathExpression({
      expression: 'IF(requests > 100, 100 * clientErrors / requests, 0)',
      usingMetrics: { clientErrors: api4xx, requests },
      label: '4xx % of requests (429 throttles included)',
      period: minute,
    });
    alarm('ApiThrottled', throttledShare, {
      threshold: 20,
      evaluationPeriods: 5,
      description:
        'A fifth of all requests were refused for 5 minutes: throttles (raise quotas) or a broken client',
    });
    const lambdaThrottles = LambdaFunction.metricAllThrottles({ period: minute, statistic: 'Sum' });
    alarm('LambdaThrottles', lambdaThrottles, {
      threshold: 10,
      evaluationPeriods: 3,
      description: 'Lambda refused invocations for lack of concurrency for 3 minutes',
    });

    const queueAges: IMetric[] = [];
    for (const [key, { queue }] of props.queues) {
      const age = queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' });
      queueAges.push(age);
      alarm(`${key}QueueAge`, age, {
        threshold: QUEUE_AGE_ALARM_SECONDS[key],
        evaluationPeriods: 3,
        description: `The oldest message of the ${key} queue is older than ${QUEUE_AGE_ALARM_SECONDS[key]} s: its consumer is not keeping up`,
      });
    }
    const tableThrottles: IMetric[] = [];
    for (const [key, table] of props.tables) {
      const throttles = new MathExpression({
        // Ids unique per table: the dashboard graphs every table's expression together.
        expression: `reads_${key} + writes_${key}`,
        usingMetrics: {
          [`reads_${key}`]: table.metric('ReadThrottleEvents', { period: minute, statistic: 'Sum' }),
          [`writes_${key}`]: table.metric('WriteThrottleEvents', { period: minute, statistic: 'Sum' }),
        },
        label: `${key} throttle events`,
        period: minute,
      });
      tableThrottles.push(throttles);
      alarm(`${key}TableThrottles`, throttles, {
        threshold: 100,
        evaluationPeriods: 3,
        description: `The ${key} table throttled for 3 minutes: pre-warm it or raise its quotas`,
      });
    }

    this.alarms = alarms;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.prefix}-operations`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# kuota ${props.stage}\nEvery alarm below has a runbook entry in the README ("Deadline day").`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms.values()], width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'API requests', left: [requests], right: [api4xx, api5xx], width: 8 }),
      new GraphWidget({
        title: 'API latency (ms)',
        left: [
          props.api.metricLatency({ period: minute, statistic: 'p99' }),
          props.api.metricLatency({ period: minute, statistic: 'p50' }),
        ],
        width: 8,
      }),
      new GraphWidget({ title: 'Throttling', left: [throttledShare], right: [lambdaThrottles], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Oldest message per queue (s)', left: queueAges, width: 12 }),
      new GraphWidget({ title: 'DynamoDB throttle events', left: tableThrottles, width: 12 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Refunds past SLA', left: [refundsPastSla], width: 8 }),
      new GraphWidget({
        title: 'Tax reconciliation',
        left: [backlog, kuotaMetric(ReconciliationMetric.awaiting, minute)],
        right: [kuotaMetric(ReconciliationMetric.checks, minute, 'Sum')],
        width: 8,
      }),
      new GraphWidget({ title: 'Ledger differences (hourly check)', left: [ledgerDifferences], width: 8 }),
    );
  }
}
