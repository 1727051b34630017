import { config } from '../../lib/config.js';
import { logger } from '../../lib/logger.js';
import { writeStatsSnapshot } from '../../lib/usecases/oversight.js';
import { checkLowStock } from '../../lib/usecases/stock-low.js';

config();

export const handler = async () => {
  const now = new Date();
  const snapshot = await writeStatsSnapshot(now);
  // stock.low rides on the minute snapshot's schedule; a failure here never loses the snapshot.
  const lowStock = await checkLowStock(now).catch((error: unknown) => {
    logger.warn('low-stock check failed; the next minute retries', { error: String(error) });
    return undefined;
  });
  return { ...snapshot, ...(lowStock ? { lowStock } : {}) };
};
