import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { ConditionFailed, storeCall } from '../adapters/dynamo-errors.js';
import { config } from '../config.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import { randomAlphanumeric, randomDigits } from '../domain/identifiers.js';
import type { Rupiah } from '../domain/money.js';
import type { TaxAuthority, TaxBilling } from '../domain/tax-authority.js';
import { SandboxKeys } from '../infra/resources.js';

/**
 * A stand-in for the tax authority's billing system (DJP e-Billing + the state treasury): issues 15-digit
 * billing codes, accepts payment of them and issues 16-character NTPNs. Its state lives in the sandbox
 * table, apart from kuota's own records, as an external party's would.
 */
const table = () => config().sandboxTable;

interface StoredBilling extends TaxBilling {
  readonly reference: string;
}

const readBilling = async (billingCode: string): Promise<StoredBilling | undefined> => {
  const result = await storeCall(() =>
    dynamo().send(
      new GetCommand({ TableName: table(), Key: SandboxKeys.taxBilling(billingCode), ConsistentRead: true }),
    ),
  );
  return result.Item as StoredBilling | undefined;
};

const withExpiry = (billing: StoredBilling, now: Date): TaxBilling => {
  const { reference: _reference, ...rest } = billing;
  const view = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'pk' && key !== 'sk'));
  const lapsed = billing.status === 'UNPAID' && Date.parse(billing.expiresAt) <= now.getTime();
  return { ...(view as unknown as TaxBilling), status: lapsed ? 'EXPIRED' : billing.status };
};

export const sandboxTaxAuthority: TaxAuthority = {
  async createBilling({ reference, amountIdr, expiresAt }) {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const existing = await storeCall(() =>
        dynamo().send(
          new GetCommand({
            TableName: table(),
            Key: SandboxKeys.taxBillingReference(reference),
            ConsistentRead: true,
          }),
        ),
      );
      if (existing.Item) {
        const billing = await readBilling(String(existing.Item.billingCode));
        if (billing) return withExpiry(billing, new Date());
      }
      const billing: StoredBilling = {
        billingCode: randomDigits(15),
        amountIdr,
        expiresAt: expiresAt.toISOString(),
        status: 'UNPAID',
        reference,
      };
      try {
        await storeCall(() =>
          dynamo().send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: table(),
                    Item: { ...SandboxKeys.taxBillingReference(reference), billingCode: billing.billingCode },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                {
                  Put: {
                    TableName: table(),
                    Item: { ...SandboxKeys.taxBilling(billing.billingCode), ...billing },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ],
            }),
          ),
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
  try {
    await storeCall(() =>
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
  } catch (error) {
    if (error instanceof ConditionFailed) {
      throw new DomainError('BILLING_NOT_PAYABLE', 'this billing code has already been paid');
    }
    throw error;
  }
  return { billingCode, ntpn, paidAt, paidAmountIdr };
};
