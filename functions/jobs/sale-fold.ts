import middy from '@middy/core';
import { config } from '../../lib/config.js';
import { logger } from '../../lib/logger.js';
import { foldSoldStock } from '../../lib/usecases/sale-fold.js';

config();

export const handler = middy().handler(async () => {
  const tally = await foldSoldStock(new Date());
  logger.info('sale fold finished', { ...tally });
  // A reseller whose fold failed keeps its marks and is folded on the next run; all failing is an error.
  if (tally.failed > 0 && tally.failed === tally.resellers)
    throw new Error('the sale fold failed for every reseller');
  return tally;
});
