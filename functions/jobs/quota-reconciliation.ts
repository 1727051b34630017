import { publishCounts } from '../../lib/adapters/metrics.js';
import { config } from '../../lib/config.js';
import { ReconciliationMetric } from '../../lib/infra/metrics.js';
import { logger } from '../../lib/logger.js';
import { quotaOrderDeps } from '../../lib/usecases/deps.js';
import { reconcileAwaitingPayment } from '../../lib/usecases/quota-orders.js';

config();

/**
 * Scheduled every minute: a dropped tax-authority webhook is credited within about a minute while the
 * backlog is 0 (each run checks a bounded, fair share of the billings awaiting payment and publishes what
 * it left as `ReconciliationBacklog`).
 */
export const handler = async () => {
  const tally = await reconcileAwaitingPayment(quotaOrderDeps());
  publishCounts({
    [ReconciliationMetric.backlog]: tally.backlog,
    [ReconciliationMetric.checks]: tally.checked,
    [ReconciliationMetric.awaiting]: tally.awaiting,
  });
  logger.info('quota reconciliation finished', tally);
  return tally;
};
