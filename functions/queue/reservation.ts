import { ReservationMessage } from '../../lib/adapters/queues.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { reservationSettings } from '../../lib/usecases/deps.js';
import { reserveOrder } from '../../lib/usecases/reservation.js';

export const handler = sqsConsumer('reservation', ReservationMessage, async (message) => {
  await reserveOrder(message.orderId, reservationSettings());
});
