// The console's one way to the API: same-origin fetches with the session cookie, the CSRF token on changes.

let csrfToken = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error ? body.error : {};
    super(error.message || `the API answered ${status}`);
    this.status = status;
    this.code = error.code || null;
    this.details = Array.isArray(error.details) ? error.details : [];
  }
}

export function setSession(session) {
  csrfToken = session ? session.csrf_token : null;
}

export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/** `body`: an object sent as JSON, or `{ text, type }` sent as is (the cost CSV). */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  let payload;
  if (body && typeof body.text === 'string') {
    headers['content-type'] = body.type;
    payload = body.text;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const answer = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') onSignedOut();
    throw new ApiError(res.status, answer);
  }
  return answer;
}

/** The query string of an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Every page of a cursor-paginated log, up to `max` items. */
export async function allPages(path, params, max = 1000) {
  const items = [];
  let cursor;
  do {
    const page = await api('GET', path + query({ ...params, cursor, limit: Math.min(500, max - items.length) }));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
