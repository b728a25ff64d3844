// @ts-check
// A notification in words, and where clicking it goes. Text only: names and titles are never markup.

/** @typedef {import('../../types/social').Notification} Notification */

/** @param {string} id */
const watch = (id) => `/v/${encodeURIComponent(id)}`;
/** @param {string} name */
const channel = (name) => `/u/${encodeURIComponent(name)}`;

/**
 * @param {Notification} n
 * @returns {{ text: string, href: string }}
 */
export function notificationText(n) {
  const who = n.actor?.user_name ?? 'Someone';
  const title = n.video?.name ?? 'a video';
  const times = n.count && n.count > 1 ? ` (${n.count})` : '';
  const onVideo = n.video ? watch(n.video.id) : '/';
  switch (n.type) {
    case 'new_video':
      return { text: `${who} published “${title}”`, href: onVideo };
    case 'comment':
      return { text: `${who} commented on “${title}”${times}`, href: `${onVideo}#comments` };
    case 'reply':
      return { text: `${who} replied to your comment${times}`, href: `${onVideo}#comments` };
    case 'mention':
      return { text: `${who} mentioned you`, href: `${onVideo}#comments` };
    case 'follow':
      return { text: `${who} followed you${times}`, href: n.actor ? channel(n.actor.user_name) : '/' };
    case 'message':
      return { text: `${who} sent you a message${times}`, href: n.actor ? `/messages?with=${encodeURIComponent(n.actor.user_name)}` : '/messages' };
    case 'takedown':
      return { text: `“${title}” was removed by a moderator${n.reason ? `: ${n.reason}` : ''}`, href: '/userhome' };
    default:
      return { text: `${who}: something new`, href: '/' };
  }
}
