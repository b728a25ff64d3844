import { CAPTION_LANG_RE } from './media-layout.js';

/**
 * A caption language tag in BCP 47's canonical case (RFC 5646 §2.1.1): the language lower case,
 * a four-letter subtag (the script) title case, a two-letter one (the region) upper case, the rest
 * lower case — `EN-us` → `en-US`, `zh-hans` → `zh-Hans`. Tracks are stored under this spelling,
 * so one language is one track however a client spells it, and a caption URL names it exactly.
 * CAPTION_LANG_RE admits no singletons (`x-…`, `u-…`), so the rule needs no position tracking.
 * Null when the tag is not one the caption routes accept.
 */
export function canonicalCaptionLang(raw: string): string | null {
  if (!CAPTION_LANG_RE.test(raw)) return null;
  const [language = '', ...rest] = raw.split('-');
  const subtags = rest.map((s) => {
    if (/^[A-Za-z]{2}$/.test(s)) return s.toUpperCase();
    if (/^[A-Za-z]{4}$/.test(s)) return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
    return s.toLowerCase();
  });
  return [language.toLowerCase(), ...subtags].join('-');
}
