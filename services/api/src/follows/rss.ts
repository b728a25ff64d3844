import type { VideoRow } from '../videos/videos-repository.js';

// Characters XML 1.0 cannot carry at all, escaped or not: C0 controls but tab/LF/CR, U+FFFE/U+FFFF, lone surrogates.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text safe in an XML element or a double- or single-quoted attribute. */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * The site's origin for absolute links, from the request's Host when it is a plain host[:port]
 * (the web forwards the browser's Host to the api), else the configured address.
 */
export function siteOriginOf(protocol: string, host: string | undefined, fallback: string): string {
  const plain = typeof host === 'string' && /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/.test(host);
  if (!plain) return fallback;
  return `${protocol === 'https' ? 'https' : 'http'}://${host.toLowerCase()}`;
}

export interface RssChannel {
  userName: string;
  origin: string;
  videos: readonly VideoRow[];
}

function item(v: VideoRow, origin: string): string {
  const link = `${origin}/v/${encodeURIComponent(v.id)}`;
  const poster = v.poster && v.poster.startsWith('/') ? `${origin}${v.poster}` : null;
  return [
    '<item>',
    `<title>${xmlEscape(v.name)}</title>`,
    `<link>${xmlEscape(link)}</link>`,
    `<guid isPermaLink="true">${xmlEscape(link)}</guid>`,
    `<pubDate>${new Date(Number(v.create_time)).toUTCString()}</pubDate>`,
    `<description>${xmlEscape(v.description)}</description>`,
    poster ? `<enclosure url="${xmlEscape(poster)}" length="0" type="image/jpeg"/>` : '',
    '</item>',
  ].join('');
}

/** An RSS 2.0 document of a channel's videos, newest first. */
export function renderRss({ userName, origin, videos }: RssChannel): string {
  const channelLink = `${origin}/u/${encodeURIComponent(userName)}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    '<rss version="2.0"><channel>',
    `<title>${xmlEscape(userName)}</title>`,
    `<link>${xmlEscape(channelLink)}</link>`,
    `<description>${xmlEscape(`Public videos by ${userName}`)}</description>`,
    videos.length > 0 ? `<lastBuildDate>${new Date(Number(videos[0]!.create_time)).toUTCString()}</lastBuildDate>` : '',
    ...videos.map((v) => item(v, origin)),
    '</channel></rss>\n',
  ].join('');
}
