// @ts-check
// The controls under the watch page's player, plain <select>s so the keyboard and screen readers
// use them as any form field: the quality (Auto, or one HLS rung: hls.js's levels) and the
// caption language (DPlayer shows one track; choosing another switches that track's source).
import { $, h } from './dom.js';

/** hls.js's event names (Hls.Events.MANIFEST_PARSED, LEVEL_SWITCHED). */
const MANIFEST_PARSED = 'hlsManifestParsed';
const LEVEL_SWITCHED = 'hlsLevelSwitched';

/**
 * Shows the bar. DPlayer's hotkeys listen on the document and take the arrow keys (seek, volume)
 * from any focused element but text fields; keys pressed in the bar stay the selects' own.
 * @param {HTMLElement | null} bar
 */
function reveal(bar) {
  if (!bar || !bar.hidden) return;
  bar.hidden = false;
  bar.addEventListener('keydown', (event) => event.stopPropagation());
}

/**
 * "720p" for a rung.
 * @param {HlsLevel} level
 */
export const rungName = (level) => `${level.height}p`;

/**
 * Fills the quality select from the HLS levels once the master playlist is read: Auto first, then
 * each rung, highest first. Choosing one switches at once; Auto lets hls.js pick by bandwidth.
 * @param {DPlayerInstance} player
 */
export function installQualityMenu(player) {
  const hls = player.plugins?.hls;
  const select = /** @type {HTMLSelectElement | null} */ ($('#quality-select'));
  const field = $('#quality-field');
  if (!hls || !select || !field) return;
  const auto = select.options[0];
  hls.on(MANIFEST_PARSED, () => {
    const rungs = hls.levels.map((level, index) => ({ level, index })).sort((a, b) => b.level.height - a.level.height);
    select.replaceChildren(auto, ...rungs.map(({ level, index }) => h('option', { value: String(index), text: rungName(level) })));
    select.value = '-1';
    field.hidden = rungs.length === 0;
    reveal($('#player-options'));
  });
  hls.on(LEVEL_SWITCHED, () => {
    const level = hls.levels[hls.currentLevel];
    auto.textContent = hls.autoLevelEnabled && level ? `Auto (${rungName(level)})` : 'Auto';
  });
  select.addEventListener('change', () => {
    hls.currentLevel = Number(select.value);
  });
}

/**
 * The caption select: Off, or one of the video's tracks (the first is on when the player starts).
 * @param {DPlayerInstance} player
 */
export function installCaptionSelect(player) {
  const select = /** @type {HTMLSelectElement | null} */ ($('#caption-select'));
  if (!select || select.options.length < 2) return;
  reveal($('#player-options'));
  select.addEventListener('change', () => {
    const track = player.template?.subtrack;
    if (!track) return;
    if (player.template?.subtitle) player.template.subtitle.replaceChildren();
    if (select.value === '') return player.subtitle?.hide();
    if (track.getAttribute('src') !== select.value) track.src = select.value;
    player.subtitle?.show();
  });
}
