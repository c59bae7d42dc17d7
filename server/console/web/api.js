// The console's JSON API (the contract in docs: /api/session, /api/rpc/<Service>/<Method>).
// Requests are proto3 JSON with the .proto's snake_case names; errors are
// {code, message} with a message written for people, which the views show
// as it is.

let csrf = '';
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Called when the server says the session is gone (401): the app goes back
// to the sign-in page.
export function setSignedOutHandler(fn) { onSignedOut = fn; }

async function send(method, url, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin'});
  } catch (e) {
    throw new ApiError(0, 'UNAVAILABLE', '无法连接服务器 (the server cannot be reached)');
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, json?.code || 'UNKNOWN',
      json?.message || [res.status, json?.code || res.statusText].join(' '));
    if (res.status === 401 && url !== '/api/session') { csrf = ''; onSignedOut(err); }
    throw err;
  }
  return json;
}

// The signed-in person ({user:{id,name,role}, csrf}) or null.
export async function currentSession() {
  try {
    const s = await send('GET', '/api/session');
    csrf = s.csrf || '';
    return s;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function signIn(login, password) {
  const s = await send('POST', '/api/session', {login, password});
  csrf = s.csrf || '';
  return s;
}

export async function signOut() {
  try { await send('DELETE', '/api/session'); } finally { csrf = ''; }
}

export function rpc(service, method, request = {}) {
  return send('POST', `/api/rpc/${service}/${method}`, request);
}

// Every page of a paged list method: `key` names the repeated field.
export async function all(service, method, request, key, limit = 20) {
  const out = [];
  let token = '';
  for (let i = 0; i < limit; i++) {
    const page = await rpc(service, method, {...request, page_size: 1000, page_token: token});
    out.push(...(page[key] || []));
    token = page.next_page_token || '';
    if (!token) break;
  }
  return out;
}

// Whether the server offers a method: it is called with an empty request,
// which a method that exists refuses as a bad request (nothing is written);
// a method not built into this server answers UNIMPLEMENTED or 404.
export async function offers(service, method) {
  try {
    await rpc(service, method, {});
    return true;
  } catch (e) {
    return !(e.status === 404 || e.code === 'UNIMPLEMENTED');
  }
}
