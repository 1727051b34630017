import { config } from '../../lib/config.js';
import { writeStatsSnapshot } from '../../lib/usecases/oversight.js';

config();

export const handler = async () => writeStatsSnapshot(new Date());
