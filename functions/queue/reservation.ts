import { ReservationMessage } from '../../lib/adapters/queues.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { reservationSettings } from '../../lib/usecases/deps.js';
import { countDrainedOrders, reserveOrder } from '../../lib/usecases/reservation.js';

export const handler = sqsConsumer(
  'reservation',
  ReservationMessage,
  (message) => reserveOrder(message.orderId, reservationSettings()),
  { afterBatch: (outcomes) => countDrainedOrders(outcomes, new Date()) },
);
