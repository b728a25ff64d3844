// fetch wrappers for the site's own endpoints. The session travels in the HttpOnly cookie, so no
// script ever handles the session id.

/** Calls the web (same origin). Resolves to {status, data}; rejects only when the network fails. */
export async function call(method, url, body) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  let data = null;
  const type = res.headers.get('content-type') || '';
  if (res.status !== 204 && type.includes('json')) data = await res.json().catch(() => null);
  return { status: res.status, data, headers: res.headers };
}

/** A message a person can act on, from an error response of the contract's shape. */
export function describeError(status, data, context = {}) {
  if (status === 0) return 'Network problem: check your connection and try again.';
  if (status === 401) return context.on401 || 'Your session has ended. Please sign in again.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return context.on404 || 'It no longer exists.';
  if (status === 400 && context.on400) return context.on400;
  if (status === 409) return context.on409 || 'That already exists.';
  if (status === 413) return context.on413 || 'That is too large.';
  if (status === 415) return context.on415 || 'That type of file is not supported.';
  if (status === 429) return 'Too many attempts. Please wait a little and try again.';
  if (status === 503) return 'The site is having trouble reaching its services. Please try again in a moment.';
  if (status >= 500) return 'Something went wrong on our side. Please try again.';
  if (data && typeof data.error === 'string') return capitalize(data.error);
  return 'That did not work. Please check and try again.';
}

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Names are path segments in the api's routes. */
export const seg = (s) => encodeURIComponent(s);
