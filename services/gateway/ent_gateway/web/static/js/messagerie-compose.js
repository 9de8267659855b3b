// Writing a message: a new one, or a draft (a reply, a reply to all or a forward is a draft
// the server prepares). Autosaved as a draft a few seconds after each change; sent through
// the draft when there is one. Problems are shown next to their field; nothing typed is lost.
import { api, upload, h, $, showProblem, clearProblem, say, size, when, ApiError } from "./ent.js";
import { Recipients, FIELDS } from "./messagerie-recipients.js";
import { audienceValue, isAudience, listAudiences, nameOf } from "./recipients.js";
import { bodyNodes, textToHtml, splitDraftBody } from "./messagerie-body.js";

const MAX_FILES = 10;
const MAX_BYTES = 10 * 1024 * 1024; // per file and in all (the API's limits, said before uploading)
const AUTOSAVE_MS = 4000;
const FIELD_IDS = { subject: "subject", body: "body", reply_mode: "mode-sender_only", attachment_ids: "files" };

export class Composer {
  // `names`: recipient → name; `done(sent)`: called once the message is sent or discarded.
  constructor(names, done) {
    this.names = names;
    this.done = done;
    this.recipients = new Recipients(names);
    this.recipients.onChange = () => this.changed();
    this.state = { draftId: null, version: null, inReplyTo: null, forwardedFrom: null, quote: "", attachments: [] };
    this.saving = Promise.resolve();
  }

  // Opens the form, empty or from a draft of mine (GET /mail/drafts/{id}).
  async open(container, draftId = null) {
    let draft = null;
    if (draftId) {
      draft = await api(`/mail/drafts/${encodeURIComponent(draftId)}`);
      await this.learnNames([...draft.to, ...draft.cc, ...draft.bcc]);
    }
    this.node = this.form(draft);
    container.replaceChildren(this.node);
    for (const [field] of FIELDS) this.recipients.set(field, draft ? draft[field] : []);
    if (draft) {
      const { text, quote } = splitDraftBody(draft.body_html);
      Object.assign(this.state, { draftId: draft.draft_id, version: draft.version, inReplyTo: draft.in_reply_to, forwardedFrom: draft.forwarded_from, quote, attachments: draft.attachments });
      $("#body").value = text;
      this.renderAttachments();
    }
    // A reply already has its recipients: the person starts writing the text.
    (draft && draft.to.length ? $("#body") : $("#rcpt-to")).focus();
  }

  // Names for a draft's recipients: the page may not know them after a reload.
  async learnNames(recipients) {
    const unknown = recipients.filter((r) => !this.names.has(r));
    await Promise.all([
      // An audience's name is its label in the assistant (the lists I may write to).
      unknown.some(isAudience) ? listAudiences().then((all) => all.forEach((a) => this.names.set(audienceValue(a), a.label)), () => null) : null,
      // Someone I may only answer (not write to first) has no card for me: no name.
      ...unknown.filter((r) => !isAudience(r)).map((id) => nameOf(id).then((name) => name && this.names.set(id, name))),
    ]);
  }

  form(draft) {
    const mode = draft ? draft.reply_mode : "sender_only";
    const radio = (value, label) =>
      h("div", { class: "choice" }, h("input", { type: "radio", name: "reply_mode", id: `mode-${value}`, value, checked: mode === value, onchange: () => this.changed() }), h("label", { for: `mode-${value}` }, label));
    const panel = h("div", { id: "assistant", class: "card assistant", hidden: true });
    const toggle = h("button", { type: "button", id: "assistant-toggle", class: "secondary", "aria-expanded": "false", "aria-controls": "assistant", onclick: () => this.toggleAssistant(toggle, panel) }, "Assistant destinataires");
    const title = draft ? (draft.in_reply_to ? "Répondre" : draft.forwarded_from ? "Transférer" : "Brouillon") : "Nouveau message";
    return h(
      "form",
      { id: "compose", class: "card compose", novalidate: true, "aria-labelledby": "compose-title", onsubmit: (e) => this.send(e), oninput: (e) => this.typed(e) },
      h("h2", { id: "compose-title" }, title),
      this.recipients.fields(),
      toggle,
      panel,
      h("fieldset", {}, h("legend", {}, "Mode de réponse"), radio("sender_only", "Me répondre uniquement"), radio("all", "Répondre à tous"), h("p", { class: "field-error", id: "error-reply_mode" })),
      h("label", { for: "subject" }, "Objet"),
      h("input", { id: "subject", name: "subject", type: "text", required: true, maxlength: "255", value: draft ? draft.subject : "", "aria-describedby": "error-subject" }),
      h("p", { class: "field-error", id: "error-subject" }),
      h("label", { for: "body" }, "Message"),
      h("textarea", { id: "body", name: "body", rows: "10", "aria-describedby": "error-body" }),
      h("p", { class: "field-error", id: "error-body" }),
      draft && splitDraftBody(draft.body_html).quote ? this.quoteNode(draft) : null,
      h("label", { for: "files" }, "Pièces jointes ", h("span", { class: "muted" }, "(10 au plus, 10 Mo en tout)")),
      h("input", { id: "files", name: "attachment_ids", type: "file", multiple: true, "aria-describedby": "error-attachment_ids", onchange: (e) => this.attach(e.target) }),
      h("progress", { id: "upload-progress", max: "1", value: "0", hidden: true, "aria-label": "Envoi des pièces jointes" }),
      h("ul", { id: "attachments", class: "items", "aria-label": "Pièces jointes du message", "aria-live": "polite" }),
      h("p", { class: "field-error", id: "error-attachment_ids" }),
      h(
        "div",
        { class: "toolbar" },
        h("button", { type: "submit", id: "send" }, "Envoyer"),
        h("button", { type: "button", class: "secondary", id: "save-draft", onclick: () => this.save(true) }, "Enregistrer le brouillon"),
        h("button", { type: "button", class: "secondary", id: "discard", onclick: () => this.discard() }, draft ? "Supprimer le brouillon" : "Annuler"),
      ),
      h("p", { id: "draft-status", class: "muted", "aria-live": "polite" }, draft ? `Brouillon enregistré le ${when(draft.saved_at)}` : ""),
    );
  }

  quoteNode(draft) {
    const { quote } = splitDraftBody(draft.body_html);
    return h("details", { class: "quote", open: true }, h("summary", {}, draft.forwarded_from ? "Message transféré" : "Messages précédents"), h("div", { class: "body" }, bodyNodes(quote)));
  }

  async toggleAssistant(toggle, panel) {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open && !panel.childElementCount) {
      panel.append(h("p", {}, "Chargement…"));
      try {
        await this.recipients.assistant(panel);
      } catch (error) {
        showProblem(error);
      }
    }
  }

  // --- what is sent -------------------------------------------------------------------
  payload() {
    const text = $("#body").value;
    const own = text.trim() ? textToHtml(text) : "";
    const fields = Object.fromEntries(FIELDS.map(([field]) => [field, this.recipients.values(field)]));
    return {
      ...fields,
      subject: $("#subject").value,
      body: own + this.state.quote,
      reply_mode: $("#compose [name=reply_mode]:checked")?.value || null,
      attachment_ids: this.state.attachments.map((a) => a.attachment_id),
      in_reply_to: this.state.inReplyTo,
      forwarded_from: this.state.forwardedFrom,
    };
  }

  // Typing a name to search for is not content: only a chosen recipient changes the draft.
  typed(event) {
    if (!event.target.closest(".recipients")) this.changed();
  }

  blank(payload) {
    return !payload.subject.trim() && !payload.body && !payload.attachment_ids.length && FIELDS.every(([field]) => !payload[field].length);
  }

  changed() {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(false), AUTOSAVE_MS);
  }

  // Saves the draft: created at the first save, then saved whole with the version last
  // read, so a save from another tab meanwhile answers 409 instead of being overwritten.
  save(announce) {
    clearTimeout(this.timer);
    this.saving = this.saving.then(async () => {
      if (!this.node.isConnected) return; // the form was closed meanwhile
      this.dirty = false;
      const payload = this.payload();
      if (!this.state.draftId && this.blank(payload)) {
        if (announce) say("Rien à enregistrer pour l'instant.");
        return; // nothing worth a draft yet
      }
      try {
        const receipt = this.state.draftId
          ? await api(`/mail/drafts/${encodeURIComponent(this.state.draftId)}`, { method: "PUT", json: { ...payload, version: this.state.version } })
          : await api("/mail/drafts", { method: "POST", json: payload });
        Object.assign(this.state, { draftId: receipt.draft_id, version: receipt.version });
        $("#draft-status").textContent = `Brouillon enregistré à ${new Date().toLocaleTimeString("fr-FR", { timeStyle: "short" })}`;
        if (announce) say("Brouillon enregistré.");
      } catch (error) {
        this.problem(error);
      }
    });
    return this.saving;
  }

  // Before the form goes away: what was typed since the last save is saved.
  async leave() {
    if (this.dirty && this.node?.isConnected) await this.save(false);
    clearTimeout(this.timer);
  }

  async send(event) {
    event.preventDefault();
    clearTimeout(this.timer);
    this.dirty = false;
    await this.saving;
    this.clearProblems();
    const button = $("#send");
    button.disabled = true;
    try {
      if (this.state.draftId) {
        const saved = await api(`/mail/drafts/${encodeURIComponent(this.state.draftId)}`, { method: "PUT", json: { ...this.payload(), version: this.state.version } });
        this.state.version = saved.version;
        await api(`/mail/drafts/${encodeURIComponent(this.state.draftId)}/send`, { method: "POST" });
      } else {
        await api("/mail/messages", { method: "POST", json: this.payload() });
      }
      say("Message envoyé.");
      this.done(true);
    } catch (error) {
      this.dirty = true; // not sent: what was typed is saved on leaving
      this.problem(error);
    } finally {
      if (button.isConnected) button.disabled = false;
    }
  }

  async discard() {
    clearTimeout(this.timer);
    this.dirty = false;
    await this.saving;
    if (this.state.draftId) {
      try {
        await api(`/mail/drafts/${encodeURIComponent(this.state.draftId)}`, { method: "DELETE" });
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) return this.problem(error);
      }
      say("Brouillon supprimé.");
    }
    this.done(false);
  }

  // --- problems, next to their field ----------------------------------------------------
  clearProblems() {
    clearProblem();
    for (const node of document.querySelectorAll("#compose .field-error")) node.textContent = "";
    for (const node of document.querySelectorAll("#compose [aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  problem(error) {
    this.clearProblems();
    const form = $("#compose");
    showProblem(error, { form });
    const problem = error instanceof ApiError ? error.problem : {};
    for (const e of problem.errors || []) {
      const line = $(`#error-${CSS.escape(e.field || "")}`);
      if (line) line.textContent = e.message || e.reason;
      const input = FIELD_IDS[e.field] ? $(`#${FIELD_IDS[e.field]}`) : null;
      if (input) input.setAttribute("aria-invalid", "true");
    }
    if (problem.refused) this.recipients.markRefused(problem.refused);
    const first = form && form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }

  // --- attachments ----------------------------------------------------------------------
  async attach(input) {
    const files = [...input.files];
    input.value = ""; // the same file may be chosen again after removing it
    const line = $("#error-attachment_ids");
    line.textContent = "";
    const total = this.state.attachments.reduce((sum, a) => sum + a.size, 0) + files.reduce((sum, f) => sum + f.size, 0);
    if (this.state.attachments.length + files.length > MAX_FILES) line.textContent = `Au plus ${MAX_FILES} pièces jointes.`;
    else if (files.some((f) => f.size > MAX_BYTES)) line.textContent = "Une pièce jointe dépasse 10 Mo.";
    else if (total > MAX_BYTES) line.textContent = "Les pièces jointes dépassent 10 Mo au total.";
    if (line.textContent) return;
    const progress = $("#upload-progress");
    progress.hidden = false;
    for (const file of files) {
      const body = new FormData();
      body.append("file", file);
      try {
        progress.value = 0;
        const { body: ref } = await upload("/mail/attachments", { body, onProgress: (sent, all) => (progress.value = sent / all) });
        this.state.attachments.push(ref);
        this.renderAttachments();
        this.changed();
      } catch (error) {
        this.problem(error);
        break;
      }
    }
    progress.hidden = true;
  }

  renderAttachments() {
    $("#attachments").replaceChildren(
      ...this.state.attachments.map((a) =>
        h(
          "li",
          {},
          a.removed ? h("span", { class: "tag warn" }, "Pièce jointe supprimée") : a.name,
          " ",
          h("span", { class: "muted" }, size(a.size)),
          " ",
          h("button", { type: "button", class: "link", "aria-label": `Retirer ${a.name}`, onclick: () => this.detach(a.attachment_id) }, "Retirer"),
        ),
      ),
    );
  }

  detach(attachmentId) {
    this.state.attachments = this.state.attachments.filter((a) => a.attachment_id !== attachmentId);
    this.renderAttachments();
    this.changed();
    $("#files").focus();
  }
}
