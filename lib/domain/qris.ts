/**
 * A QRIS (EMVCo merchant-presented QR) payload for a dynamic, fixed-amount payment: the shape a real
 * gateway returns, with the CRC-16/CCITT-FALSE checksum in tag 63.
 */
const tlv = (tag: string, value: string): string => `${tag}${String(value.length).padStart(2, '0')}${value}`;

export const crc16 = (text: string): string => {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
};

export const qrisPayload = (input: {
  merchantName: string;
  amountIdr: number;
  reference: string;
}): string => {
  const body =
    tlv('00', '01') +
    tlv('01', '12') +
    tlv('26', tlv('00', 'ID.CO.KUOTA.SANDBOX') + tlv('01', '936000000000000000')) +
    tlv('52', '7399') +
    tlv('53', '360') +
    tlv('54', String(input.amountIdr)) +
    tlv('58', 'ID') +
    tlv('59', input.merchantName.slice(0, 25)) +
    tlv('60', 'JAKARTA') +
    tlv('62', tlv('05', input.reference.slice(0, 25)));
  const withCrcTag = `${body}6304`;
  return withCrcTag + crc16(withCrcTag);
};
