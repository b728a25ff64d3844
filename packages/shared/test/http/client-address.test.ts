import { describe, expect, it } from 'vitest';
import { rateLimitAddress } from '../../src/index.js';

describe('rateLimitAddress', () => {
  it.each([
    ['an IPv4 address is itself', '1.2.3.4', '1.2.3.4'],
    ['an IPv4-mapped IPv6 address is its IPv4 form', '::ffff:1.2.3.4', '1.2.3.4'],
    ['an IPv4-mapped address in hex groups', '::ffff:102:304', '1.2.3.4'],
    ['an IPv6 address is its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['a compressed IPv6 address', '2001:db8::1', '2001:db8:0:0::/64'],
    ['upper case and leading zeros', '2001:0DB8:0001:0002::1', '2001:db8:1:2::/64'],
    ['a zone id is dropped', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['loopback', '::1', '0:0:0:0::/64'],
    ['brackets', '[2001:db8:1:2::9]', '2001:db8:1:2::/64'],
    ['an IPv4 tail that is not mapped', '64:ff9b::1.2.3.4', '64:ff9b:0:0::/64'],
    ['not an address at all is kept', 'unknown', 'unknown'],
  ])('%s', (_name, ip, key) => {
    expect(rateLimitAddress(ip)).toBe(key);
  });

  it('two addresses in one /64 share a key, another /64 does not', () => {
    expect(rateLimitAddress('2001:db8:1:2::1')).toBe(rateLimitAddress('2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect(rateLimitAddress('2001:db8:1:2::1')).not.toBe(rateLimitAddress('2001:db8:1:3::1'));
  });
});
