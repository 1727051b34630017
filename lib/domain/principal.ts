/** Who is calling, as resolved by the authorizer from the API key. */
export type Principal =
  | { readonly role: 'reseller'; readonly resellerId: string }
  | { readonly role: 'regulator'; readonly regulatorId: string };

export type Role = Principal['role'];

export const RESELLER_ID_PATTERN = /^R[0-9]{2}$/;
