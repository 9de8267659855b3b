// A tus 1.0 client, the handful of requests the protocol needs (no library is shipped):
// creation (POST with Upload-Length and Upload-Metadata), PATCH chunks at Upload-Offset,
// and, when the network drops or the server hiccups, HEAD to learn where the server stands
// and resume from there. The server keeps every byte that reached it, so a resume never
// sends again what was already stored.
import { ApiError, api, authHeaders } from "./ent.js";

const TUS_VERSION = "1.0.0";
export const CHUNK_BYTES = 8 * 1024 * 1024; // one PATCH: small enough to lose little when cut
// Waits before each new try after a failure (ms); past the last one the upload fails.
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000, 30000, 30000, 30000];

// Worth trying again: no answer at all, a busy upload (a cut request still holds its lock
// for a while), a wrong offset (HEAD tells the right one), or a gateway/replica in trouble.
const TRANSIENT = new Set([0, 409, 423, 429, 500, 502, 503, 504]);
// A creation is tried again only when it surely did not happen or failed as a whole: a 409
// there means something else (the file is already being sent).
const TRANSIENT_CREATION = new Set([0, 429, 502, 503, 504]);

export function isTransient(error, statuses = TRANSIENT) {
  return error instanceof ApiError && statuses.has(error.status);
}

// fetch rejects with a TypeError when nothing answers: the same failure as XHR's `error`.
async function answered(request) {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError || error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "Le réseau ne répond pas" });
  }
}

// Upload-Metadata values are base64 of UTF-8 (names hold accents).
export function encodeMetadata(metadata) {
  return Object.entries(metadata)
    .map(([key, value]) => {
      const bytes = new TextEncoder().encode(String(value));
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return `${key} ${btoa(binary)}`;
    })
    .join(",");
}

function abortError() {
  return new DOMException("Envoi annulé", "AbortError");
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), reject(abortError())), { once: true });
  });
}

// One PATCH through XHR, because fetch reports no upload progress. Answers the offset the
// server now holds (Upload-Offset of the 204).
function patch(url, offset, chunk, { onSent, signal }) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const xhr = new XMLHttpRequest();
    xhr.open("PATCH", url);
    const headers = authHeaders({
      "tus-resumable": TUS_VERSION,
      "upload-offset": String(offset),
      "content-type": "application/offset+octet-stream",
    });
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    const cancel = () => xhr.abort();
    signal?.addEventListener("abort", cancel, { once: true });
    const done = () => signal?.removeEventListener("abort", cancel);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onerror = () => (done(), reject(new ApiError(0, { title: "Le réseau ne répond pas" })));
    xhr.onabort = () => (done(), reject(abortError()));
    xhr.onload = () => {
      done();
      if (xhr.status === 204 || xhr.status === 200) {
        return resolve(Number(xhr.getResponseHeader("upload-offset")));
      }
      let problem;
      try {
        problem = JSON.parse(xhr.responseText);
      } catch {
        problem = { title: `Erreur ${xhr.status}` };
      }
      reject(new ApiError(xhr.status, problem));
    };
    xhr.send(chunk);
  });
}

// `path` is under /api (as for `api`); answers the upload's own path, under /api too. The
// server's Location is relative (`files/<id>`): resolved against the creation URL.
async function create(endpoint, file, metadata, signal) {
  const response = await answered(api(endpoint, {
    method: "POST",
    raw: true,
    signal,
    headers: {
      "tus-resumable": TUS_VERSION,
      "upload-length": String(file.size),
      "upload-metadata": encodeMetadata(metadata),
    },
  }));
  const where = new URL(response.headers.get("location"), new URL(`/api${endpoint}`, location.href));
  return where.pathname.replace(/^\/api/, "");
}

async function serverOffset(uploadPath, signal) {
  const headers = { "tus-resumable": TUS_VERSION };
  const response = await answered(api(uploadPath, { method: "HEAD", raw: true, signal, headers }));
  return Number(response.headers.get("upload-offset"));
}

// After a failure: throws it when not worth another try (or too many), else waits.
async function pause(error, failures, { retryDelaysMs, signal, onRetry, statuses }) {
  if (signal?.aborted || error.name === "AbortError") throw abortError();
  if (!isTransient(error, statuses) || failures >= retryDelaysMs.length) throw error;
  const delayMs = retryDelaysMs[failures];
  onRetry({ attempt: failures + 1, delayMs, error });
  await sleep(delayMs, signal);
}

// Uploads `file` to the tus creation endpoint `endpoint` (under /api) and resolves once the
// server holds every byte. Callbacks: `onProgress(sentBytes, totalBytes)`, `onRetry({attempt,
// delayMs, error})` before a wait, `onResume(offset)` once HEAD has said where to carry on.
export async function tusUpload(endpoint, file, options = {}) {
  const { metadata = {}, chunkBytes = CHUNK_BYTES, retryDelaysMs = RETRY_DELAYS_MS, signal } = options;
  const { onProgress = () => {}, onRetry = () => {}, onResume = () => {} } = options;
  const retry = { retryDelaysMs, signal, onRetry };
  let uploadPath = null;
  for (let failures = 0; uploadPath === null; failures += 1) {
    try {
      uploadPath = await create(endpoint, file, metadata, signal);
    } catch (error) {
      await pause(error, failures, { ...retry, statuses: TRANSIENT_CREATION });
    }
  }
  const url = `/api${uploadPath}`;
  let offset = 0;
  let failures = 0;
  let resuming = false;
  for (;;) {
    try {
      if (resuming) {
        offset = await serverOffset(uploadPath, signal);
        resuming = false;
        onResume(offset);
        onProgress(offset, file.size);
        if (offset >= file.size) break; // HEAD also finishes an upload whose bytes all arrived
      }
      const start = offset;
      const chunk = file.slice(start, start + chunkBytes);
      offset = await patch(url, start, chunk, { signal, onSent: (sent) => onProgress(start + sent, file.size) });
      failures = 0;
      onProgress(offset, file.size);
      if (offset >= file.size) break; // a file of 0 bytes is finished by its one empty PATCH
    } catch (error) {
      await pause(error, failures, { ...retry, statuses: TRANSIENT });
      failures += 1;
      resuming = true; // whatever happened, the server's offset is the truth
    }
  }
  return uploadPath;
}
