import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '../config.js';
import { METRICS_NAMESPACE, METRICS_SERVICE, metricDimensions } from '../infra/metrics.js';

/**
 * Publishes counts as CloudWatch metrics in embedded metric format (Powertools Metrics: one JSON line on
 * stdout, which Lambda's log agent turns into metrics; no API call, no extra latency). Names and
 * dimensions come from `lib/infra/metrics.ts`, which the alarms read too.
 */
let metrics: Metrics | undefined;

const instance = (): Metrics => {
  if (!metrics) {
    const { service: _service, ...others } = metricDimensions(config().stage);
    metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: METRICS_SERVICE,
      defaultDimensions: others,
    });
  }
  return metrics;
};

/** Emits one set of counts (and durations in seconds), all with kuota's dimensions, as one EMF record. */
export const publishCounts = (
  counts: Readonly<Record<string, number>>,
  seconds: Readonly<Record<string, number>> = {},
): void => {
  const target = instance();
  for (const [name, value] of Object.entries(counts)) target.addMetric(name, MetricUnit.Count, value);
  for (const [name, value] of Object.entries(seconds)) target.addMetric(name, MetricUnit.Seconds, value);
  target.publishStoredMetrics();
};
