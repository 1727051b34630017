/** Formats of the tax authority's identifiers (PMK 78/2024 flow: billing code -> NTPN). */
export const BILLING_CODE_PATTERN = /^[0-9]{15}$/;
export const NTPN_PATTERN = /^[0-9A-Z]{16}$/;
