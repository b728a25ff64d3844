// @ts-check
// The search results page: "Load more" under the results.
import { initFeed } from './feed.js';

initFeed();
