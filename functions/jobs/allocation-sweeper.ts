import { config } from '../../lib/config.js';
import { logger } from '../../lib/logger.js';
import { resumeStalledAllocations } from '../../lib/usecases/allocation.js';

config();

/** Allocation idle this long is presumed stalled (a crash between a chunk and its follow-up message). */
const IDLE_SECONDS = 300;

export const handler = async () => {
  const result = await resumeStalledAllocations(IDLE_SECONDS, () => new Date());
  if (result.resumed > 0) logger.warn('resumed stalled allocations', result);
  return result;
};
