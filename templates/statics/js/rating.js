// @ts-check
// Like and dislike on the watch page. The buttons show the user's own rating (aria-pressed); a
// second press takes it back. Visitors have sign-in links in their place (see watch.js).
import { getRating, putRating } from './api.js';
import { $ } from './dom.js';
import { describeError } from './http.js';
import { guard, showError } from './user-page.js';

/** @typedef {import('../../types/api').RatingValue} RatingValue */

/** @param {string} videoId */
export function initRating(videoId) {
  const like = /** @type {HTMLButtonElement | null} */ ($('button#like-btn'));
  const dislike = /** @type {HTMLButtonElement | null} */ ($('button#dislike-btn'));
  if (!like || !dislike) return;
  const likeCount = $('#like-count');
  const dislikeCount = $('#dislike-count');
  // A press answered before the first read must not be undone by that read.
  let rated = false;
  /** @param {RatingValue} rating */
  const show = (rating) => {
    like.setAttribute('aria-pressed', String(rating === 'like'));
    dislike.setAttribute('aria-pressed', String(rating === 'dislike'));
  };
  /** @param {RatingValue} wanted */
  const rate = async (wanted) => {
    const current = like.getAttribute('aria-pressed') === 'true' ? 'like' : dislike.getAttribute('aria-pressed') === 'true' ? 'dislike' : 'none';
    const next = current === wanted ? 'none' : wanted;
    rated = true;
    like.disabled = dislike.disabled = true;
    const res = await guard(() => putRating(videoId, next));
    like.disabled = dislike.disabled = false;
    if (!res) return;
    if (res.status !== 200) return showError(describeError(res.status, res.data));
    show(res.data.rating);
    if (likeCount && typeof res.data.likes === 'number') likeCount.textContent = String(res.data.likes);
    if (dislikeCount && typeof res.data.dislikes === 'number') dislikeCount.textContent = String(res.data.dislikes);
  };
  like.addEventListener('click', () => void rate('like'));
  dislike.addEventListener('click', () => void rate('dislike'));
  void guard(() => getRating(videoId)).then((res) => {
    if (res && res.status === 200 && res.data && !rated) show(res.data.rating);
  });
}
