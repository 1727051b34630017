import middy from '@middy/core';
import { publishCounts } from '../../lib/adapters/metrics.js';
import { config } from '../../lib/config.js';
import { OperationsMetric } from '../../lib/infra/metrics.js';
import { logger } from '../../lib/logger.js';
import { paymentSettings, sweepSettings } from '../../lib/usecases/deps.js';
import { sweepWebhookOutbox } from '../../lib/usecases/reseller-webhooks.js';
import { sweepStorefronts } from '../../lib/usecases/storefront-sweeper.js';

config();

export const handler = middy().handler(async () => {
  // The reseller webhook outbox's safety net runs beside the refunds' (each survives the other's failure).
  const [refunds, outbox] = await Promise.allSettled([
    sweepStorefronts(sweepSettings(), await paymentSettings()),
    sweepWebhookOutbox(),
  ]);
  if (outbox.status === 'rejected')
    logger.warn('webhook outbox sweep failed', { error: String(outbox.reason) });
  if (refunds.status === 'rejected') throw refunds.reason;
  // The alarm on refunds past their SLA reads this; 0 is published too, so "no data" means "not running".
  publishCounts({ [OperationsMetric.refundsPastSla]: refunds.value.refundsPastSla });
  const tally = { ...refunds.value, webhooksResent: outbox.status === 'fulfilled' ? outbox.value.resent : 0 };
  logger.info('storefront sweep finished', tally);
  return tally;
});
