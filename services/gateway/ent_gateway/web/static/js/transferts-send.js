// Sending: declare the transfer (its files and options), upload each file with tus while
// the bars move, then fetch the transfer again for its share link.
import { $, ApiError, api, clearProblem, showProblem, size } from "./ent.js";
import { tusUpload } from "./transferts-tus.js";

// The form's options as the API takes them: empty fields are left to the API's defaults.
function options(form) {
  const value = (name) => form.elements[name].value.trim();
  const body = { message: form.elements.message.value };
  if (form.elements.password.value) body.password = form.elements.password.value;
  if (value("download_limit")) body.download_limit = Number(value("download_limit"));
  if (value("expires_in_days")) body.expires_in_days = Number(value("expires_in_days"));
  return body;
}

// The share link is there once the last file is recorded; the read side may lag a moment,
// and the network may still be coming back.
async function withLink(transferId) {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      const transfer = await api(`/transfer/transfers/${encodeURIComponent(transferId)}`);
      if (transfer.share_url) return transfer;
    } catch (error) {
      if (error instanceof ApiError) throw error; // an answer, not a dropped connection
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * (attempt + 1)));
  }
  throw new ApiError(0, { title: "Le lien n'est pas encore prêt : retrouvez-le dans « Mes transferts »." });
}

// The overall bar and its text; the status line (role=status) says each step, not each byte.
class Progress {
  constructor(total) {
    this.total = Math.max(total, 1);
    this.done = 0; // bytes of the files already finished
    this.bar = $("#progress-all");
    this.text = $("#progress-text");
    $("#progress-block").hidden = false;
    this.show(0);
  }

  show(currentFileBytes) {
    const percent = Math.min(100, Math.floor(((this.done + currentFileBytes) * 100) / this.total));
    this.bar.value = percent;
    this.text.textContent = `${percent} %`;
  }
}

function status(text) {
  $("#upload-status").textContent = text;
}

export class Sender {
  constructor(form, chosen, { onSent }) {
    this.form = form;
    this.chosen = chosen;
    this.onSent = onSent;
    this.stop = null;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    $("#cancel").addEventListener("click", () => this.stop?.abort());
  }

  busy(on) {
    $("#send-button").disabled = on;
    $("#cancel").hidden = !on;
    this.chosen.lock(on);
    for (const input of this.form.querySelectorAll("input, select, textarea")) input.disabled = on;
  }

  async send() {
    clearProblem();
    for (const marked of this.form.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
    const entries = this.chosen.entries;
    if (!entries.length) {
      showProblem(new ApiError(400, { detail: "Ajoutez au moins un fichier.", errors: [{ field: "files", message: "aucun fichier choisi" }] }), { form: this.form });
      $("#files").focus();
      return;
    }
    const body = {
      ...options(this.form),
      files: entries.map(({ path, file }) => ({ path, size: file.size, media_type: file.type || "application/octet-stream" })),
    };
    this.stop = new AbortController();
    let transfer = null;
    this.busy(true);
    try {
      transfer = await api("/transfer/transfers", { method: "POST", json: body, signal: this.stop.signal });
      await this.upload(transfer, entries);
      status("Fichiers envoyés : préparation du lien…");
      const ready = await withLink(transfer.transfer_id);
      status("Envoi terminé : le lien est prêt.");
      this.onSent(ready);
    } catch (error) {
      await this.failed(error, transfer);
    } finally {
      this.busy(false);
      this.stop = null;
      this.form.querySelector("[aria-invalid]")?.focus(); // the field to fix, if the API named one
    }
  }

  async upload(transfer, entries) {
    const progress = new Progress(this.chosen.totalBytes);
    const endpoint = `/transfer/transfers/${encodeURIComponent(transfer.transfer_id)}/files`;
    for (const [index, { path, file }] of entries.entries()) {
      status(`Envoi de ${path} (${index + 1} sur ${entries.length})…`);
      await tusUpload(endpoint, file, {
        metadata: { relativePath: path, filename: file.name, filetype: file.type || "application/octet-stream" },
        signal: this.stop.signal,
        onProgress: (sent) => {
          this.chosen.progress(path, sent);
          progress.show(sent);
        },
        onRetry: ({ delayMs, error }) => {
          const why = error.status === 0 ? "Connexion perdue" : "Serveur momentanément indisponible";
          status(`${why} pendant l'envoi de ${path} : nouvel essai dans ${Math.round(delayMs / 1000)} s…`);
        },
        onResume: (offset) => status(`Envoi de ${path} repris à ${size(offset)}.`),
      });
      progress.done += file.size;
      progress.show(0);
    }
  }

  // The form keeps everything typed; a half-sent transfer is deleted so it does not count
  // against the sender's active transfers.
  async failed(error, transfer) {
    const cancelled = error?.name === "AbortError";
    if (transfer) {
      try {
        await api(`/transfer/transfers/${encodeURIComponent(transfer.transfer_id)}`, { method: "DELETE" });
      } catch {
        /* it expires on its own (unfinished uploads are dropped by the expiry job) */
      }
    }
    $("#progress-block").hidden = true;
    if (cancelled) {
      status("Envoi annulé. Vos fichiers et réglages sont gardés.");
      return;
    }
    status("");
    showProblem(error, { form: this.form });
  }
}
