import middy from '@middy/core';
import { config } from '../../lib/config.js';
import { logger } from '../../lib/http/logger.js';
import { paymentSettings, sweepSettings } from '../../lib/usecases/deps.js';
import { sweepStorefronts } from '../../lib/usecases/storefront-sweeper.js';

config();

export const handler = middy().handler(async () => {
  const tally = await sweepStorefronts(sweepSettings(), await paymentSettings());
  logger.info('storefront sweep finished', tally);
  return tally;
});
