/** The QRIS payment gateway as kuota sees it (port); the sandbox implements it. */
export interface GatewayPayment {
  readonly paymentId: string;
  readonly reference: string;
  readonly amountIdr: number;
  readonly qris: string;
  readonly expiresAt: string;
}

/** What a buyer needs to pay a reservation: the QR, its amount and until when (not the reference). */
export const paymentView = (payment: GatewayPayment) => ({
  paymentId: payment.paymentId,
  amountIdr: payment.amountIdr,
  qris: payment.qris,
  expiresAt: payment.expiresAt,
});

export interface GatewayCapture {
  readonly eventId: string;
  readonly amountIdr: number;
  readonly occurredAt: string;
}

export interface GatewayRefund {
  readonly refundId: string;
  readonly status: 'PENDING' | 'COMPLETED';
  readonly amountIdr: number;
}

export interface PaymentGateway {
  /** Idempotent on `reference`. */
  createPayment(input: {
    reference: string;
    amountIdr: number;
    expiresAt: Date;
    merchantName: string;
  }): Promise<GatewayPayment>;
  /** Every capture of the payment (a buyer can pay a QR twice). */
  listCaptures(paymentId: string): Promise<GatewayCapture[]>;
  /** Idempotent on `refundId`; completion is confirmed later by a REFUND_COMPLETED webhook. */
  requestRefund(input: {
    refundId: string;
    paymentId: string;
    captureEventId: string;
    amountIdr: number;
  }): Promise<GatewayRefund>;
  getRefund(refundId: string): Promise<GatewayRefund | undefined>;
}
