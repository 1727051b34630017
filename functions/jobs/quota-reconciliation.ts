import { config } from '../../lib/config.js';
import { logger } from '../../lib/http/logger.js';
import { quotaOrderDeps } from '../../lib/usecases/deps.js';
import { reconcileAwaitingPayment } from '../../lib/usecases/quota-orders.js';

config();

/** Scheduled every minute: a dropped tax-authority webhook is credited within about a minute. */
export const handler = async () => {
  const tally = await reconcileAwaitingPayment(quotaOrderDeps());
  logger.info('quota reconciliation finished', tally);
  return tally;
};
