import { apiKeyStore } from '../adapters/api-key-store.js';
import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { resellerStore } from '../adapters/reseller-store.js';
import { hashApiKey, newApiKey } from '../domain/api-keys.js';
import { newId } from '../domain/identifiers.js';

/** The 26 licensed resellers of 2024, under invented names, and one regulator. */
export const RESELLER_NAMES = [
  'Meterai Nusantara',
  'Stempel Digital Indonesia',
  'Dokumen Prima',
  'Bea Cepat',
  'Arsip Sentosa',
  'Segel Elektronik Jaya',
  'Tera Mandiri',
  'Legal Karya',
  'Pos Dokumen',
  'Materai Online Bersama',
  'Cap Garuda Digital',
  'Surat Sah',
  'Berkas Kilat',
  'Tanda Resmi',
  'Notaris Daring',
  'Bumi Dokumen',
  'Sinar Meterai',
  'Kertas Maya',
  'Lintas Bea',
  'Nusa Legalitas',
  'Pena Emas',
  'Kuasa Digital',
  'Bukti Sah Indonesia',
  'Meterai Rakyat',
  'Dokumen Aman',
  'Satu Meterai',
].map((name) => `PT ${name}`);

export const DEFAULT_HOLDING_CAP = 100_000;
/** The 2024 CASN fee: Rp12,500 = Rp10,000 duty + Rp2,500 service. */
export const DEFAULT_SERVICE_FEE_CAP_IDR = 2_500;

export const resellerId = (index: number): string => `R${String(index + 1).padStart(2, '0')}`;

export interface SeededCredentials {
  readonly resellers: { id: string; name: string; apiKey: string }[];
  readonly regulatorKey: string;
}

export const seedParties = async (): Promise<SeededCredentials> => {
  const resellers: SeededCredentials['resellers'] = [];
  for (const [index, name] of RESELLER_NAMES.entries()) {
    const id = resellerId(index);
    const apiKey = newApiKey('reseller');
    // Retried: seeding runs against a throttling store too (AWS, or the local stack with injected faults).
    await withStoreRetries(() =>
      resellerStore.putReseller({
        resellerId: id,
        name,
        status: 'ACTIVE',
        holdingCap: DEFAULT_HOLDING_CAP,
        pipeline: 0,
        serviceFeeCapIdr: DEFAULT_SERVICE_FEE_CAP_IDR,
        serviceFeeIdr: DEFAULT_SERVICE_FEE_CAP_IDR,
        storefrontOpen: true,
      }),
    );
    // Fixed before the retries, as for the regulator's key below.
    const createdAt = new Date();
    const key = {
      keyId: newId('KY', createdAt),
      resellerId: id,
      apiKeyHash: hashApiKey(apiKey),
      createdAt: createdAt.toISOString(),
    };
    await withStoreRetries(() => apiKeyStore.issueResellerKey({ key }));
    resellers.push({ id, name, apiKey });
  }
  const regulatorKey = newApiKey('regulator');
  // Fixed before the retries: a retry writes the same item, which the store recognises as its own.
  const regulatorKeyCreatedAt = new Date().toISOString();
  await withStoreRetries(() =>
    apiKeyStore.putRegulatorKey(hashApiKey(regulatorKey), 'DJP', regulatorKeyCreatedAt),
  );
  return { resellers, regulatorKey };
};
