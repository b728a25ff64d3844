// @ts-check
// How an upload is going, in words: "1.2 MB/s · 3 min left". Both transports of the upload dialog
// (multipart and tus) report bytes sent; the dialog turns them into this readout.

/**
 * 1234567 → "1.2 MB" (decimal units, as file managers show sizes).
 * @param {number} n
 */
export function formatBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

/**
 * 75 → "1 min"; "" when unknown.
 * @param {number} seconds
 */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/**
 * Bytes per second over the last few seconds (a whole-upload average hides a link that just slowed).
 * @returns {(bytes: number) => number} given the bytes sent so far, the rate
 */
export function rateMeter(windowMs = 5000) {
  /** @type {[number, number][]} [time, bytes] */
  const samples = [];
  return (bytes) => {
    const now = performance.now();
    samples.push([now, bytes]);
    while (samples.length > 2 && now - samples[0][0] > windowMs) samples.shift();
    const [t0, b0] = samples[0];
    const seconds = (now - t0) / 1000;
    return seconds >= 0.3 ? (bytes - b0) / seconds : 0;
  };
}

/**
 * "1.2 MB/s · 3 min left", or "" until the rate is known.
 * @param {number} rate bytes per second
 * @param {number} remaining bytes
 */
export function speedText(rate, remaining) {
  return rate > 0 ? `${formatBytes(rate)}/s · ${formatDuration(remaining / rate)} left` : '';
}
