import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { dynamo } from '../adapters/aws-clients.js';
import { ConditionFailed, conditionalWrite, storeCall } from '../adapters/dynamo-errors.js';
import { config } from '../config.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import { randomAlphanumeric, randomDigits } from '../domain/identifiers.js';
import type { Rupiah } from '../domain/money.js';
import type { TaxAuthority, TaxBilling } from '../domain/tax-authority.js';
import { SandboxKeys } from '../infra/resources.js';
import { putWithReference, recordOfReference } from './references.js';

const table = () => config().sandboxTable;

interface StoredBilling extends TaxBilling {
  readonly reference: string;
}

/** A stored billing, checked on the way out; its item's keys are dropped. */
const StoredBillingRecord = z.object({
  billingCode: z.string(),
  amountIdr: z.number(),
  expiresAt: z.string(),
  status: z.enum(['UNPAID', 'PAID', 'EXPIRED']),
  ntpn: z.string().optional(),
  paidAmountIdr: z.number().optional(),
  paidAt: z.string().optional(),
  reference: z.string(),
}) satisfies z.ZodType<StoredBilling>;

const readBilling = async (billingCode: string): Promise<StoredBilling | undefined> => {
  const result = await storeCall(() =>
    dynamo().send(
      new GetCommand({ TableName: table(), Key: SandboxKeys.taxBilling(billingCode), ConsistentRead: true }),
    ),
  );
  return result.Item ? StoredBillingRecord.parse(result.Item) : undefined;
};

/** The billing as the tax authority answers it: an unpaid billing past its expiry is EXPIRED. */
const withExpiry = (billing: StoredBilling, now: Date): TaxBilling => {
  const { reference: _reference, ...view } = billing;
  const lapsed = billing.status === 'UNPAID' && Date.parse(billing.expiresAt) <= now.getTime();
  return { ...view, status: lapsed ? 'EXPIRED' : billing.status };
};

/**
 * A stand-in for the tax authority's billing system (DJP e-Billing + the state treasury): issues 15-digit
 * billing codes, accepts payment of them and issues 16-character NTPNs. Its state lives in the sandbox
 * table, apart from kuota's own records, as an external party's would.
 */
export const sandboxTaxAuthority: TaxAuthority = {
  async createBilling({ reference, amountIdr, expiresAt }) {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const existing = await recordOfReference(
        SandboxKeys.taxBillingReference(reference),
        'billingCode',
        readBilling,
      );
      if (existing) return withExpiry(existing, new Date());
      const billing: StoredBilling = {
        billingCode: randomDigits(15),
        amountIdr,
        expiresAt: expiresAt.toISOString(),
        status: 'UNPAID',
        reference,
      };
      try {
        await putWithReference(
          { ...SandboxKeys.taxBillingReference(reference), billingCode: billing.billingCode },
          {
            Item: { ...SandboxKeys.taxBilling(billing.billingCode), ...billing },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        );
        return withExpiry(billing, new Date());
      } catch (error) {
        // Someone else created this reference's billing, or the random code collided: look again.
        if (!(error instanceof ConditionFailed)) throw error;
      }
    }
    throw new Error('sandbox tax authority could not allocate a billing code');
  },

  async getBilling(billingCode) {
    const billing = await readBilling(billingCode);
    return billing ? withExpiry(billing, new Date()) : undefined;
  },
};

/** A payer pays a billing code at a bank. The amount is whatever the payer sends; kuota must check it. */
export const payBilling = async (
  billingCode: string,
  paidAmountIdr: Rupiah,
  now: Date,
): Promise<Required<Pick<TaxBilling, 'billingCode' | 'ntpn' | 'paidAt'>> & { paidAmountIdr: Rupiah }> => {
  const billing = await readBilling(billingCode);
  if (!billing) throw new NotFoundError('billing code');
  if (billing.status === 'PAID') {
    throw new DomainError('BILLING_NOT_PAYABLE', 'this billing code has already been paid');
  }
  if (Date.parse(billing.expiresAt) <= now.getTime()) {
    throw new DomainError('BILLING_NOT_PAYABLE', 'this billing code has expired');
  }
  const ntpn = randomAlphanumeric(16);
  const paidAt = now.toISOString();
  const paid = await conditionalWrite(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: SandboxKeys.taxBilling(billingCode),
        UpdateExpression: 'SET #status = :paid, ntpn = :ntpn, paidAt = :paidAt, paidAmountIdr = :amount',
        ConditionExpression: '#status = :unpaid',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':paid': 'PAID',
          ':unpaid': 'UNPAID',
          ':ntpn': ntpn,
          ':paidAt': paidAt,
          ':amount': paidAmountIdr,
        },
      }),
    ),
  );
  if (!paid) throw new DomainError('BILLING_NOT_PAYABLE', 'this billing code has already been paid');
  return { billingCode, ntpn, paidAt, paidAmountIdr };
};
