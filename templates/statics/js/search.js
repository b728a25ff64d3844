// @ts-check
// The search results page: "Load more" under the results.
import { initBell } from './bell.js';
import { initFeed } from './feed.js';

initFeed();
initBell();
