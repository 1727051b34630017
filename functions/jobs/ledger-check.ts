import { dynamo } from '../../lib/adapters/aws-clients.js';
import { publishCounts } from '../../lib/adapters/metrics.js';
import { config } from '../../lib/config.js';
import { OperationsMetric } from '../../lib/infra/metrics.js';
import { logger } from '../../lib/logger.js';
import { checkLedger } from '../../lib/usecases/ledger-check.js';

config();

/**
 * Scheduled every hour: the `npm run ledger:check` audit, run by the stack itself. It publishes how many
 * differences it found (the ledger-mismatch alarm) and logs each one, so the operator sees what is off
 * without running anything.
 */
export const handler = async () => {
  const report = await checkLedger({ client: dynamo(), mainTable: config().mainTable });
  publishCounts({ [OperationsMetric.ledgerDifferences]: report.differences.length });
  if (report.differences.length > 0)
    logger.error('ledger check found differences', { differences: report.differences.slice(0, 50) });
  else logger.info('ledger balanced', { scanned: report.scanned });
  return { balanced: report.balanced, differences: report.differences.length, scanned: report.scanned };
};
