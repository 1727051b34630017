import { config } from '../config.js';
import type { AllocationSettings } from './allocation.js';

export const allocationSettings = (): AllocationSettings => ({
  chunkSize: config().allocationChunkSize,
  stampsPerMinute: config().issuerStampsPerMinute,
  now: () => new Date(),
});
