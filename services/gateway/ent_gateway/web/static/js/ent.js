// The web app's shared module: the session, the JSON API, problems, the DOM, the shell.
// Every page imports it; it is also the reference of how a frontend talks to the API.

const TOKEN = "ent.token";
const USER = "ent.user";

// --- the session (for this tab only: closing it signs out) ---------------------------
export const session = {
  token: () => sessionStorage.getItem(TOKEN),
  user: () => JSON.parse(sessionStorage.getItem(USER) || "null"),
  save(signedIn) {
    sessionStorage.setItem(TOKEN, signedIn.access_token);
    sessionStorage.setItem(USER, JSON.stringify(signedIn.user));
  },
  clear() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(USER);
  },
};

export function goToSignIn() {
  session.clear();
  const here = location.pathname + location.search;
  location.assign(`/connexion?suite=${encodeURIComponent(here)}`);
}

// --- the API ------------------------------------------------------------------------
// A refused request: `problem` is the problem+json body (title, detail, errors by field).
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `Erreur ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function authHeaders(extra = {}) {
  const token = session.token();
  return token ? { ...extra, authorization: `Bearer ${token}` } : { ...extra };
}

async function problemOf(response) {
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await response.json();
    } catch {
      /* an empty or broken body: the status says enough */
    }
  }
  return { title: response.statusText || `Erreur ${response.status}` };
}

// `path` is under /api. `json` is sent as JSON; `body` as is (a File, FormData…).
// Answers the parsed JSON, the Response when `raw`, or null for 204.
export async function api(path, { method = "GET", json, body, headers = {}, raw = false, signal } = {}) {
  const init = { method, headers: authHeaders(headers), signal };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["content-type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(`/api${path}`, init);
  if (response.status === 401 && session.token()) {
    goToSignIn();
    throw new ApiError(401, { title: "Session terminée" });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

// An upload that reports its progress (fetch cannot): `onProgress(sentBytes, totalBytes)`.
export function upload(path, { method = "POST", body, headers = {}, onProgress }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, `/api${path}`);
    for (const [name, value] of Object.entries(authHeaders(headers))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress && e.lengthComputable && onProgress(e.loaded, e.total);
    xhr.onerror = () => reject(new ApiError(0, { title: "Le réseau ne répond pas" }));
    xhr.onload = () => {
      let parsed = null;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        parsed = { title: xhr.statusText };
      }
      if (xhr.status === 401 && session.token()) goToSignIn();
      if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, body: parsed, xhr });
      else reject(new ApiError(xhr.status, parsed || { title: `Erreur ${xhr.status}` }));
    };
    xhr.send(body);
  });
}

// A file the page holds (a blob) given to the browser to save under `fileName`.
export function saveFile(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has the file once the click is handled; the URL can go a moment later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// A download that needs the bearer token, which a plain link cannot send: fetched, then
// saved. `init` as for `api` (a POST of a selection, say). Problems go to `region`.
export async function download(path, fileName, { init = {}, region } = {}) {
  try {
    const response = await api(path, { ...init, raw: true });
    saveFile(await response.blob(), fileName);
  } catch (error) {
    showProblem(error, region ? { region } : {});
  }
}

// --- the DOM ------------------------------------------------------------------------
// h("a", {href: "/x", class: "y"}, "texte", child…): text is always text, never HTML.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// A problem, shown where the user looks: the alert region, and each field's own error.
// `labels` names the API's fields as the page shows them (e.g. {file: "Fichier"}).
export function showProblem(error, { region = $("#alerts"), form = null, labels = {} } = {}) {
  const problem = error instanceof ApiError ? error.problem : { title: String(error.message || error) };
  const fieldErrors = problem.errors || [];
  const label = (e) => labels[e.field] || e.field;
  const items = fieldErrors.map((e) => h("li", {}, [label(e), e.message || e.reason].filter(Boolean).join(" : ")));
  const summary = items.length ? problem.title || "Veuillez corriger :" : problem.detail || problem.title || "Erreur";
  region.replaceChildren(h("div", { class: "problem" }, h("p", {}, summary), items.length ? h("ul", {}, items) : null));
  if (form) {
    for (const e of fieldErrors) {
      const input = form.querySelector(`[name="${CSS.escape(e.field || "")}"]`);
      if (input) input.setAttribute("aria-invalid", "true");
    }
  }
}

export function clearProblem(region = $("#alerts")) {
  region.replaceChildren();
}

export function say(message, region = $("#alerts")) {
  region.replaceChildren(h("p", { class: "success" }, message));
}

const dateTime = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat("fr-FR", { weekday: "short", day: "numeric", month: "short" });

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "";
}

export function day(iso) {
  return iso ? dateOnly.format(new Date(`${iso.slice(0, 10)}T12:00:00`)) : "";
}

export function size(bytes) {
  if (bytes < 1024) return `${bytes} o`;
  const units = ["Ko", "Mo", "Go"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString("fr-FR", { maximumFractionDigits: 1 })} ${units[unit]}`;
}

export function personName(person) {
  if (!person) return "";
  return person.display_name || [person.first_name, person.last_name].filter(Boolean).join(" ") || person.user_id || "";
}

// --- the live unread badge (Server-Sent Events) ------------------------------------------
// EventSource cannot send the Authorization header, so the stream is read with fetch.
export async function followUnread(onCount, signal) {
  while (!signal.aborted) {
    try {
      const response = await fetch("/api/mail/unread/stream", { headers: authHeaders({ accept: "text/event-stream" }), signal });
      if (response.status === 401) return goToSignIn();
      if (!response.ok) throw new Error(String(response.status));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split("\n");
          const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
          const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
          if (event === "unread" && data !== "") onCount(Number(data));
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    // The stream ended or failed: reconnect after a pause, as EventSource would.
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

export function setUnreadBadge(count) {
  const badge = $("#badge-unread");
  if (!badge) return;
  badge.hidden = !count;
  $("[data-count]", badge).textContent = String(count);
  document.dispatchEvent(new CustomEvent("ent:unread", { detail: count }));
}

// --- the shell ------------------------------------------------------------------------
// Every signed-in page starts here: the visitor must be signed in; the header shows who.
export function boot() {
  const user = session.user();
  if (!session.token() || !user) {
    goToSignIn();
    return null;
  }
  $("#who").textContent = personName(user);
  $("#sign-out").addEventListener("click", () => {
    session.clear();
    location.assign("/connexion");
  });
  const stop = new AbortController();
  addEventListener("pagehide", () => stop.abort());
  followUnread(setUnreadBadge, stop.signal);
  return user;
}

export function ready(container) {
  container.removeAttribute("aria-busy");
}
