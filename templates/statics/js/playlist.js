// @ts-check
// /playlists/:pid: the page is all server-drawn links; only the bell needs a script.
import { initBell } from './bell.js';

initBell();
