// @ts-check
// The channel page: the follow and block buttons (the follower count follows the first) and the header's bell.
import { initBell } from './bell.js';
import { initBlock } from './block.js';
import { initFollow } from './follow.js';
import { showError, userName } from './user-page.js';
// The report dialog sets itself up when the page has it.
import './report.js';

const count = document.getElementById('followers-count');
let followers = Number.parseInt(count?.textContent ?? '0', 10) || 0;

initBell();
initFollow(userName, showError, (on) => {
  followers = Math.max(0, followers + (on ? 1 : -1));
  if (count) count.textContent = `${followers} follower${followers === 1 ? '' : 's'}`;
});
initBlock(userName, showError);
