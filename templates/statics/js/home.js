// @ts-check
// The home page: the feed's "Load more", and the sign-in and register forms for visitors.
import { initAuthForms } from './auth-forms.js';
import { initBell } from './bell.js';
import { initFeed } from './feed.js';

initFeed();
initAuthForms();
initBell();
