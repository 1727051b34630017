/** Money is always an integer number of rupiah: no floats, no minor units. */
export type Rupiah = number & { readonly __brand?: 'Rupiah' };

/** Face value of one e-Meterai (UU 10/2020). */
export const STAMP_FACE_VALUE_IDR = 10_000 as Rupiah;

export const assertRupiah = (value: number): Rupiah => {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`rupiah amounts are non-negative integers, got ${value}`);
  }
  return value as Rupiah;
};

export const dutyFor = (stampCount: number): Rupiah => assertRupiah(stampCount * STAMP_FACE_VALUE_IDR);
