// Thin helpers over fetch for the JSON API of PROTOCOL.md.

/**
 * Sends a request and returns {ok, status, body}; never throws on HTTP errors.
 * `body` is the parsed JSON answer (or null for 204 / non-JSON answers).
 */
export async function api(method, path, payload) {
  const init = { method, headers: {} };
  if (payload !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(payload);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, body: { error: { message: `cannot reach the server (${e.message})` } } };
  }
  let body = null;
  const text = await res.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { error: { message: text } };
    }
  }
  return { ok: res.ok, status: res.status, body };
}

/** The human message of an error answer. */
export function errorMessage(r) {
  const e = r.body && r.body.error;
  if (e && e.message) return e.message;
  if (r.status === 0) return 'cannot reach the server';
  return `the server answered ${r.status}`;
}
