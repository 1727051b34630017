import middy from '@middy/core';
import { config } from '../../lib/config.js';
import { logger } from '../../lib/logger.js';
import { foldSoldStock } from '../../lib/usecases/sale-fold.js';

config();

export const handler = middy().handler(async () => {
  const tally = await foldSoldStock(new Date());
  logger.info('sale fold finished', { ...tally });
  // A shard that failed keeps its mark and is folded on the next run; every run failing is an alarm's.
  if (tally.failed > 0 && tally.failed === tally.shards)
    throw new Error('the sale fold failed on every shard');
  return tally;
});
