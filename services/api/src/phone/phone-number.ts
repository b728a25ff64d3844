import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const E164 = /^\+[1-9]\d{6,14}$/;

/** True for a number written in E.164 (`+` and digits only) that is a valid number of its country. */
export function isE164Phone(raw: string): boolean {
  if (!E164.test(raw)) return false;
  const parsed = parsePhoneNumberFromString(raw);
  return parsed !== undefined && parsed.number === raw && parsed.isValid();
}
