import { queues } from '../adapters/queues.js';
import { ServiceBusyError } from '../domain/errors.js';
import { logger } from '../logger.js';
import type { OrderTimers } from './reservation.js';

/**
 * Timers on the storefront-timers queue. A timer that cannot be armed stops the step that needed it (no
 * reservation without its timer), answered as "busy, retry" (429 with Retry-After), never as a 5xx. Apart
 * from the timers' consumer (order-timers.ts), so that the wiring (deps.ts) needs only this.
 */
export const sqsOrderTimers: OrderTimers = {
  arm: async (orderId, at, hop, unwritten) => {
    try {
      await queues.armOrderTimer({
        orderId,
        dueAt: at.toISOString(),
        hop,
        ...(unwritten ? { unwritten } : {}),
      });
    } catch (error) {
      logger.warn('could not arm an order timer', { orderId, error: String(error) });
      throw new ServiceBusyError(1);
    }
  },
};
