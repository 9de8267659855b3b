// The link once made: copied to the clipboard, or sent through the Messagerie and by e-mail
// (« Partager »: POST /transfer/transfers/{id}/share; the directory decides for the message,
// mail checks the addresses before anything is sent).
import { $, ApiError, api, clearProblem, h, say, showProblem } from "./ent.js";
import { reasonOf, searchDirectory } from "./recipients.js";

// navigator.clipboard needs a secure context (https or localhost) and the page's focus;
// without it the link is selected so Ctrl+C copies it.
export async function copyLink(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    say("Lien copié : collez-le où vous voulez.");
  } catch {
    input.focus();
    input.select();
    say("Le lien est sélectionné : copiez-le avec Ctrl+C (ou ⌘+C).");
  }
}

export class ShareDialog {
  constructor() {
    this.dialog = $("#share-dialog");
    this.form = $("#share");
    this.search = $("#share-search");
    this.found = $("#share-found");
    this.to = new Map(); // choice key -> the choice (a person, a group, a favourite)
    this.transferId = null;
    this.pending = null;
    this.search.addEventListener("input", () => this.lookUp());
    // Enter in the search box picks the first one found instead of sending the message.
    this.search.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      this.found.querySelector("button")?.click();
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    $("#share-close").addEventListener("click", () => this.dialog.close());
  }

  open(transferId) {
    if (this.transferId !== transferId) {
      this.to.clear(); // another transfer: the recipients chosen for the last one do not carry over
      this.renderTo();
    }
    this.transferId = transferId;
    clearProblem($("#share-alerts"));
    this.dialog.showModal();
    this.search.focus();
  }

  async lookUp() {
    const q = this.search.value.trim();
    this.pending?.abort();
    if (q.length < 3) return this.found.replaceChildren();
    this.pending = new AbortController();
    try {
      const found = await searchDirectory(q, this.pending.signal);
      const rows = found.filter((r) => !this.to.has(r.key)).slice(0, 10);
      this.found.replaceChildren(
        ...rows.map((r) => h("li", {}, h("button", { type: "button", class: "link", onclick: () => this.add(r) }, `Ajouter ${r.label}`), r.detail ? h("span", { class: "muted" }, ` (${r.detail})`) : null)),
      );
      if (!rows.length) this.found.replaceChildren(h("li", { class: "muted" }, "Personne à qui vous pouvez écrire ne correspond."));
    } catch (error) {
      if (error.name !== "AbortError") showProblem(error, { region: $("#share-alerts") });
    }
  }

  add(recipient) {
    this.to.set(recipient.key, recipient);
    this.search.value = "";
    this.found.replaceChildren();
    this.renderTo();
    this.search.focus();
  }

  renderTo() {
    const list = $("#share-to");
    list.replaceChildren(
      ...[...this.to.values()].map(({ key, label }) =>
        h("li", { dataset: { id: key } }, label, " ", h("button", { type: "button", class: "link", onclick: () => (this.to.delete(key), this.renderTo(), this.search.focus()) }, "Retirer", h("span", { class: "sr" }, ` ${label}`))),
      ),
    );
    if (!this.to.size) list.replaceChildren(h("li", { class: "muted" }, "Aucun destinataire pour l'instant."));
  }

  emails() {
    return this.form.elements.emails.value.split(/[\s,;]+/).filter(Boolean);
  }

  async send() {
    const region = $("#share-alerts");
    clearProblem(region);
    const emails = this.emails();
    this.form.elements.emails.removeAttribute("aria-invalid");
    if (!this.to.size && !emails.length) {
      showProblem(new ApiError(400, { detail: "Ajoutez au moins un destinataire ou une adresse e-mail.", errors: [{ field: "to", message: "aucun destinataire" }] }), { region, form: this.form });
      return this.search.focus();
    }
    const button = $("#share-send");
    button.disabled = true;
    try {
      const shared = await api(`/transfer/transfers/${encodeURIComponent(this.transferId)}/share`, {
        method: "POST",
        json: { to: [...this.to.values()].flatMap((choice) => choice.values), emails, note: this.form.elements.note.value },
      });
      this.dialog.close();
      this.to.clear();
      this.renderTo();
      this.form.elements.note.value = "";
      this.form.elements.emails.value = "";
      say(sentWhere(shared));
    } catch (error) {
      // « emails[1] » is shown as the address typed there.
      const labels = Object.fromEntries(emails.map((address, i) => [`emails[${i}]`, address]));
      if ((error.problem?.errors || []).some((e) => String(e.field).startsWith("emails"))) {
        this.form.elements.emails.setAttribute("aria-invalid", "true");
      }
      showProblem(this.named(error), { region, form: this.form, labels: { emails: "Adresses e-mail", ...labels } });
    } finally {
      button.disabled = false;
    }
  }

  // The refused recipients come back as ids: shown with the names the user picked.
  named(error) {
    const refused = error instanceof ApiError ? error.problem.refused : null;
    if (!refused?.length) return error;
    const labelOf = (value) => [...this.to.values()].find((choice) => choice.values.includes(value))?.label || value;
    const errors = refused.map((r) => ({ field: labelOf(r.user_id || r.recipient), message: reasonOf(r.reason) }));
    return new ApiError(error.status, { ...error.problem, errors });
  }
}

function sentWhere(shared) {
  const byEmail = shared.emails_queued ? `par e-mail à ${shared.emails_queued} adresse(s)` : "";
  const inMessage = shared.message ? "dans un message" : "";
  const sent = `Le lien a été envoyé ${[inMessage, byEmail].filter(Boolean).join(" et ")}.`;
  // The message went, the e-mails could not (mail unavailable, or the day's allowance used).
  const problem = shared.emails_problem;
  return problem ? `${sent} Les e-mails n'ont pas pu partir : ${problem.detail}` : sent;
}
