// The REST API, as the page uses it: JSON in and out, errors as the server words them.

export class ApiError extends Error {
  constructor(status, body) {
    super(body && typeof body.error === "string" ? body.error : `the server answered ${status}`);
    this.status = status;
    this.code = body && body.code;
  }
}

// `credentials` stays "omit" (no cookie sent or stored) except for the page-session routes
// (resume.js), whose HttpOnly cookie is their only credential.
export async function call(method, path, { body, token, credentials = "omit" } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // The token goes in a header, never in the URL (URLs end up in logs and history).
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials,
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, { error: "the server cannot be reached; check the connection" });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const roomPath = (roomId) => `/chat/${encodeURIComponent(roomId)}`;
