// The console's one way to call the server: same-origin fetch, JSON in and out, the session's CSRF token on every
// state-changing call, and a lost session sent back to the login page.

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function headersFor(method, extra) {
  const headers = { Accept: 'application/json', ...extra };
  if (method !== 'GET' && csrf) {
    headers['X-CSRF-Token'] = csrf;
  }
  return headers;
}

async function parse(response) {
  const text = await response.text();
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json') && text.length > 0) {
    return JSON.parse(text);
  }
  return text;
}

// The message a failed call shows: a problem's detail, MineMeld's {"error": {"message": …}}, or the text.
export function messageOf(status, body) {
  if (body && typeof body === 'object') {
    if (body.detail) return body.detail;
    if (body.error) {
      const message = body.error.message ?? body.error;
      return Array.isArray(message) ? message.join('\n') : String(message);
    }
    if (body.title) return body.title;
  }
  return (typeof body === 'string' && body.trim()) || `HTTP ${status}`;
}

export async function api(method, path, body, options = {}) {
  const init = { method, headers: headersFor(method, options.headers), credentials: 'same-origin' };
  if (body !== undefined) {
    if (typeof body === 'string') {
      init.body = body;
      init.headers['Content-Type'] = options.contentType || 'text/plain';
    } else {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    window.location.assign('/ui/login');
    throw new ApiError(401, 'session ended');
  }
  const parsed = await parse(response);
  if (!response.ok) {
    throw new ApiError(response.status, messageOf(response.status, parsed), parsed);
  }
  return parsed;
}

// A large upload through XMLHttpRequest, the one browser API that reports upload progress.
// onProgress(fraction, phase): phase is 'upload' while bytes go out, then 'server' while the server checks and writes.
export function upload(method, path, json, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total, 'upload');
    });
    xhr.upload.addEventListener('load', () => onProgress(1, 'server'));
    xhr.addEventListener('load', () => {
      let body = xhr.responseText;
      try { body = JSON.parse(body); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, messageOf(xhr.status, body), body));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'the connection failed')));
    xhr.send(json);
  });
}
