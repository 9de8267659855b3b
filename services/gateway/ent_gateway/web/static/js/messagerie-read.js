// Reading a message: GET /mail/messages/{id} answers it and marks it read (the badge then
// drops through the live stream). Its body is rebuilt from an allow-list, never innerHTML;
// attachments are fetched with the token and saved by the browser.
import { api, download, h, $, showProblem, say, when, size } from "./ent.js";
import { bodyNodes } from "./messagerie-body.js";

const people = (list) => list.map((p) => p.display_name).join(", ");

// `folder`: where it was opened from; `after(change)`: counts may have changed.
// `go(hash)`: shows another view, keeping the line that says what was done.
export async function showMessage(container, folder, messageId, { names, after, go }) {
  const query = folder ? `?folder=${encodeURIComponent(folder)}` : "";
  const message = await api(`/mail/messages/${encodeURIComponent(messageId)}${query}`);
  for (const p of [message.sender, ...message.to, ...message.cc, ...message.bcc]) names.set(p.user_id, p.display_name);
  after(); // opening marked it read: the folder counts and the badge follow at once
  const here = message.folder || folder;
  const system = message.kind === "system";
  const link = (id, label) => (id ? h("a", { href: `#message/${here}/${id}` }, label) : null);
  const draftFrom = (action) => async () => {
    try {
      const draft = await api(`/mail/messages/${encodeURIComponent(message.message_id)}/${action}`, { method: "POST" });
      location.hash = `#brouillon/${draft.draft_id}`;
    } catch (error) {
      showProblem(error);
    }
  };
  const act = (action, done) => async () => {
    try {
      await api(`/mail/selection/${action}`, { method: "POST", json: { message_ids: [message.message_id], folder: here } });
      say(done);
      after();
      go(`#dossier/${here}`);
    } catch (error) {
      showProblem(error);
    }
  };
  container.replaceChildren(
    h(
      "article",
      { class: "card message", "aria-labelledby": "message-subject", dataset: { messageId: message.message_id } },
      h("nav", { class: "toolbar", "aria-label": "Messages voisins" }, h("a", { href: `#dossier/${here}` }, "← Retour au dossier"), link(message.previous_id, "Précédent"), link(message.next_id, "Suivant")),
      h("h2", { id: "message-subject" }, message.subject || "(sans objet)"),
      h(
        "dl",
        { class: "headers" },
        h("dt", {}, "De"),
        h("dd", {}, message.sender.display_name),
        message.to.length ? [h("dt", {}, "À"), h("dd", {}, people(message.to))] : null,
        message.audiences.length ? [h("dt", {}, "Groupes"), h("dd", {}, message.audiences.map((a) => names.get(a) || "Groupe").join(", "))] : null,
        message.cc.length ? [h("dt", {}, "Cc"), h("dd", {}, people(message.cc))] : null,
        message.bcc.length ? [h("dt", {}, "Cci"), h("dd", {}, people(message.bcc))] : null,
        h("dt", {}, "Date"),
        h("dd", {}, when(message.sent_at)),
      ),
      h(
        "div",
        { class: "toolbar", role: "group", "aria-label": "Actions" },
        system ? h("span", { class: "muted" }, "Message de l'ENT : on n'y répond pas.") : h("button", { type: "button", id: "reply", onclick: draftFrom("reply") }, "Répondre"),
        !system && message.reply_mode === "all" ? h("button", { type: "button", id: "reply-all", onclick: draftFrom("reply-all") }, "Répondre à tous") : null,
        h("button", { type: "button", class: "secondary", id: "forward", onclick: draftFrom("forward") }, "Transférer"),
        here === "trash"
          ? h("button", { type: "button", class: "secondary", onclick: act("restore", "Message restauré dans Reçus.") }, "Restaurer")
          : h("button", { type: "button", class: "secondary", onclick: act("trash", "Message mis à la corbeille.") }, "Supprimer"),
        here === "trash" ? null : h("button", { type: "button", class: "secondary", onclick: act("unread", "Message marqué non lu.") }, "Marquer comme non lu"),
      ),
      h("div", { class: "body" }, bodyNodes(message.body_html)),
      message.attachments.length ? attachments(message) : null,
    ),
  );
  $("#message-subject").setAttribute("tabindex", "-1");
  $("#message-subject").focus(); // a screen reader user lands on what was opened
}

function attachments(message) {
  return h(
    "section",
    { class: "attachments", "aria-labelledby": "attachments-title" },
    h("h3", { id: "attachments-title" }, "Pièces jointes"),
    h(
      "ul",
      { class: "items" },
      message.attachments.map((a) =>
        h(
          "li",
          {},
          a.removed
            ? h("span", { class: "tag warn" }, "Pièce jointe supprimée")
            : h("button", { type: "button", class: "link", onclick: () => download(`/mail/messages/${encodeURIComponent(message.message_id)}/attachments/${encodeURIComponent(a.attachment_id)}`, a.name) }, `Télécharger ${a.name}`),
          " ",
          h("span", { class: "muted" }, a.removed ? "" : size(a.size)),
        ),
      ),
    ),
  );
}

