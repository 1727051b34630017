/**
 * Notices to a buyer who left a phone number or an e-mail address on the order: the order reserved (with
 * its payment link), fulfilled (with the serials), refunded, and a fresh link on request ("Lacak
 * pesanan"). In Bahasa Indonesia, the buyers' language. Sent at least once; the notice id names the event,
 * so a repeat is the same notice.
 */
export type NoticeKind = 'RESERVED' | 'FULFILLED' | 'REFUNDED' | 'RECOVERY';

export interface Contact {
  readonly phone?: string;
  readonly email?: string;
}

export interface Notice {
  readonly noticeId: string;
  readonly kind: NoticeKind;
  readonly channel: 'SMS' | 'EMAIL';
  readonly to: string;
  readonly orderId: string;
  readonly link: string;
  readonly text: string;
}

/** The notification provider as kuota sees it (port); the sandbox keeps an outbox that can be read. */
export interface Notifier {
  send(notice: Notice): Promise<void>;
}

/** The page that resumes an order: the storefront page with the order and its token in the fragment. */
export const orderLink = (resellerId: string, orderId: string, orderToken: string): string =>
  `/storefronts/${resellerId}#order=${encodeURIComponent(orderId)}.${encodeURIComponent(orderToken)}`;

const TEXTS: Record<NoticeKind, (details: { serials?: readonly string[]; amountIdr?: number }) => string> = {
  RESERVED: ({ amountIdr }) =>
    `Pesanan e-Meterai Anda sudah dipesan. Bayar Rp${(amountIdr ?? 0).toLocaleString('id-ID')} dengan QRIS lewat tautan ini:`,
  FULFILLED: ({ serials }) =>
    `Pembayaran diterima. Nomor seri e-Meterai Anda: ${(serials ?? []).join(', ')}. Buka pesanan:`,
  REFUNDED: ({ amountIdr }) =>
    `Dana Rp${(amountIdr ?? 0).toLocaleString('id-ID')} sudah dikembalikan ke rekening Anda. Rincian:`,
  RECOVERY: () => 'Tautan baru ke pesanan e-Meterai Anda (Lacak pesanan):',
};

/** One notice per contact channel the order has, for one event of the order. */
export const noticesFor = (
  order: { orderId: string; contact?: Contact },
  kind: NoticeKind,
  link: string,
  details: { serials?: readonly string[]; amountIdr?: number; eventKey?: string } = {},
): Notice[] => {
  const text = `${TEXTS[kind](details)} ${link}`;
  const channels: [Notice['channel'], string | undefined][] = [
    ['SMS', order.contact?.phone],
    ['EMAIL', order.contact?.email],
  ];
  return channels.flatMap(([channel, to]) =>
    to
      ? [
          {
            noticeId: `${order.orderId}:${kind}${details.eventKey ? `:${details.eventKey}` : ''}:${channel}`,
            kind,
            channel,
            to,
            orderId: order.orderId,
            link,
            text,
          },
        ]
      : [],
  );
};
