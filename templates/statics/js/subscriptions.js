// @ts-check
// /feed: the subscriptions grid's "Load more", and the bell.
import { initBell } from './bell.js';
import { initFeed } from './feed.js';

initFeed();
initBell();
