// « Déposer dans un casier »: files by drag-and-drop or the file input, recipients by the
// assistant, one deposit per file with its progress, then each signed receipt as the
// confirmation. A deposit is immutable: the receipt (server time, SHA-256) is the proof.
import { upload, h, $, showProblem, clearProblem, size, when, ApiError } from "./ent.js";
import { RecipientAssistant } from "./casier-recipients.js";
import { receiptView } from "./casier-receipt.js";
import { reasonOf } from "./recipients.js";

export class DepositForm {
  constructor({ onDeposited }) {
    this.files = [];
    this.onDeposited = onDeposited;
    this.form = $("#deposit-form");
    this.problem = $("#deposit-problem");
    this.fileInput = $("#deposit-file");
    this.assistant = new RecipientAssistant({ problemRegion: this.problem, form: this.form });
    this.wireDropzone($("#dropzone"));
    this.fileInput.addEventListener("change", () => {
      this.addFiles(this.fileInput.files);
      this.fileInput.value = ""; // the list below holds them; choosing the same file again works
    });
    $("#version-cancel").addEventListener("click", () => {
      this.forgetVersion();
      this.fileInput.focus();
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
  }

  // « Nouvelle version » from the Historique: a deposit is immutable, so a corrected file is
  // a second deposit linked to the first (`previous_version_id`), to the same people.
  async newVersionOf(entry) {
    this.previous = entry;
    $("#version-text").textContent = `Nouvelle version de « ${entry.file_name} », déposé le ${when(entry.deposited_at)}.`;
    $("#version-banner").hidden = false;
    await this.assistant.addPeople(entry.recipient_ids || []);
  }

  forgetVersion() {
    this.previous = null;
    $("#version-banner").hidden = true;
  }

  load() {
    return this.assistant.loadLists();
  }

  wireDropzone(zone) {
    // dragover must be cancelled for the drop to happen; `over` shows where it will land.
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (e) => {
        e.preventDefault();
        zone.classList.add("over");
      });
    }
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      this.addFiles(e.dataTransfer.files);
    });
  }

  addFiles(list) {
    for (const file of list) {
      const known = this.files.some((f) => f.name === file.name && f.size === file.size && f.lastModified === file.lastModified);
      if (!known) this.files.push(file);
    }
    this.fileInput.removeAttribute("aria-invalid");
    this.renderFiles();
    $("#deposit-status").textContent = `${this.files.length} fichier${this.files.length > 1 ? "s" : ""} prêt${this.files.length > 1 ? "s" : ""} à déposer.`;
  }

  removeFile(index) {
    const [removed] = this.files.splice(index, 1);
    this.renderFiles();
    $("#deposit-status").textContent = `${removed.name} retiré.`;
    (this.form.querySelector("#deposit-files button") || this.fileInput).focus();
  }

  renderFiles() {
    $("#deposit-files").replaceChildren(
      ...this.files.map((file, i) =>
        h(
          "li",
          {},
          h("span", { class: "name" }, file.name),
          h("span", { class: "muted" }, ` (${size(file.size)}) `),
          h("button", { type: "button", class: "link", "aria-label": `Retirer ${file.name}`, onclick: () => this.removeFile(i) }, "Retirer"),
        ),
      ),
    );
  }

  // What the user forgot, said before any byte leaves; the fields concerned are marked.
  missing() {
    const errors = [];
    if (!this.files.length) errors.push([this.fileInput, "Choisissez ou déposez au moins un fichier."]);
    if (!this.assistant.size) errors.push([$("#recipient-search"), "Ajoutez au moins un destinataire."]);
    for (const [input] of errors) input.setAttribute("aria-invalid", "true");
    return errors.map(([, message]) => ({ message }));
  }

  async send() {
    clearProblem(this.problem);
    this.form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    const errors = this.missing();
    if (errors.length) {
      const problem = { detail: "Le dépôt n'est pas complet", errors };
      return showProblem(new ApiError(400, problem), { region: this.problem });
    }
    $("#deposit-receipt").hidden = true; // an earlier confirmation must not pass for this one
    const submit = $("#deposit-submit");
    submit.disabled = true;
    const receipts = [];
    const labels = this.assistant.snapshot();
    try {
      // One document per deposit: the files go one after the other, each with its receipt.
      while (this.files.length) {
        const file = this.files[0];
        const receipt = await this.deposit(file);
        receipts.push({
          receipt,
          refused: receipt.refused.map((r) => ({ who: this.assistant.labelOf(r), why: reasonOf(r.reason) })),
        });
        this.files.shift();
        this.renderFiles();
        this.forgetVersion(); // a version follows one document: the next files are new ones
      }
      this.assistant.clear();
    } catch (error) {
      // Nothing typed is lost: the files not yet deposited and the recipients stay.
      showProblem(error, { region: this.problem, form: this.form });
      this.explainRefused(error.problem?.refused);
    } finally {
      submit.disabled = false;
      $("#deposit-progress").hidden = true;
    }
    if (receipts.length) {
      this.showReceipts(receipts, labels);
      this.onDeposited();
    }
  }

  // A deposit nobody may receive (422) lists each refused recipient: say who and why.
  explainRefused(refused) {
    if (!refused?.length) return;
    const items = refused.map((r) => h("li", {}, `${this.assistant.labelOf(r)} : ${reasonOf(r.reason)}`));
    $(".problem", this.problem)?.append(h("ul", { class: "refused" }, items));
  }

  deposit(file) {
    const body = new FormData();
    // The recipients come before the file, so the server checks them before storing a byte.
    for (const value of this.assistant.values()) body.append("recipients", value);
    if (this.previous) body.append("previous_version_id", this.previous.document_id);
    body.append("file", file, file.name);
    const bar = $("#deposit-bar");
    bar.value = 0;
    $("#deposit-progress-label").textContent = `Envoi de ${file.name}`;
    $("#deposit-progress").hidden = false;
    $("#deposit-status").textContent = `Envoi de ${file.name}…`;
    return upload("/locker/deposits", {
      body,
      onProgress: (sent, total) => {
        bar.value = Math.round((100 * sent) / total);
      },
    }).then((answer) => answer.body);
  }

  showReceipts(receipts, labels) {
    const section = $("#deposit-receipt");
    $("#receipt-title").textContent = receipts.length > 1 ? `${receipts.length} documents déposés` : "Document déposé";
    $("#receipt-list").replaceChildren(...receipts.map(({ receipt, refused }) => receiptView(receipt, labels, refused)));
    section.hidden = false;
    section.focus(); // moves the reader to the confirmation, which it then reads
    $("#deposit-status").textContent = `Dépôt confirmé : ${receipts.map((r) => r.receipt.file_name).join(", ")}.`;
  }
}
