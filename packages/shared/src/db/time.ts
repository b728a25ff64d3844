const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** ISO 8601 UTC with milliseconds, as the contract wants for create_time and time. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The original's display format, Go layout `Jan 02 2006, 15:04:05`, in UTC. */
export function displayCtime(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}`;
}
