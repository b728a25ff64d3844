/** A small seeded PRNG, so a failing fuzz run can be replayed with SYSTEM_FUZZ_SEED. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickWith<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

/** Path segments that have broken servers before: traversal, encodings, NUL, odd Unicode, SQL, markup, sheer length. */
export const NASTY_SEGMENTS: readonly string[] = [
  '..', '%2e%2e', '..%2f', '..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2f', '..%5c..%5c', '....//', '%252e%252e%252f',
  '%00', 'a%00b', '%ff%fe', '%c0%af', '%e2%80%ae', '%F0%9F%98%80', '%', '%%', '%zz', '%u002e', '.', '~', ';', ',',
  "'%20OR%20'1'='1", '1;DROP%20TABLE%20users', '%22%3E%3Cscript%3E', '<x>', 'a'.repeat(65), 'a'.repeat(4000),
  '-1', '0', '1e309', 'NaN', 'null', 'undefined', '__proto__', 'constructor', '$ne', '{}', '[]', 'x?y=%', 'x#y',
  'A1-_', '00000000-0000-0000-0000-000000000000',
];

export const FUZZ_TEMPLATES: readonly string[] = [
  '/videos/{}', '/upload/{}', '/user/{}', '/user/{}/videos', '/user/x/videos/{}', '/videos/{}/comments',
  '/videos/x/comment/{}', '/videos/x/comments/{}', '/video-delete-record/{}', '/statics/{}', '/api/{}', '/api/user/{}',
  '/api/videos/{}/comments', '/{}', '/files/{}', '/danmaku/v3/?id={}', '/user/x/videos?limit={}',
  '/user/x/videos?cursor={}', '/user/x/videos?from={}&to={}', '/healthz/{}', '/userhome?{}', '/testpage/{}',
  '/metrics/{}', '/{}/{}/{}',
];

export const METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export const JSON_BODIES: readonly string[] = [
  '', 'null', 'true', '0', '"x"', '[]', '{}', '{', '{"user_name":', '{"user_name":1,"pwd":2}',
  '{"user_name":"a","pwd":"123456","extra":{"$gt":""}}', '{"user_name":["a"],"pwd":{"x":1}}',
  '{"__proto__":{"admin":true},"user_name":"proto_x","pwd":"123456"}', '{"constructor":{"prototype":{"x":1}}}',
  '{"name":"\\ud800"}', '{"content":"\\u0000"}', '{"name":"' + 'x'.repeat(300) + '"}', '{"content":"' + 'y'.repeat(2500) + '"}',
  '{"name":"   "}', '{"content":""}', '{"url":"/user/x","method":"TRACE"}', '{"url":5,"method":"GET"}',
  '{"url":"/user/x","method":"GET","req_body":"{not json"}', '['.repeat(5000) + ']'.repeat(5000),
  '{"a":' + '{"a":'.repeat(2000) + '1' + '}'.repeat(2001), '{"pwd":"' + 'p'.repeat(100) + '","user_name":"longpwd"}',
];
