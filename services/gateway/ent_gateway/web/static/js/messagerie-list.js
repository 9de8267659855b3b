// A folder's messages, newest first, one cursor page at a time ("Messages plus anciens"
// asks for the next); Brouillons lists the drafts, which have an API of their own.
import { api, h, when, showProblem } from "./ent.js";

const PAGE = 25;

export async function showFolder(container, folder) {
  const drafts = folder.folder_id === "drafts";
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary", id: "more", hidden: true }, "Messages plus anciens");
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const table = h(
    "table",
    { class: "messages", "aria-labelledby": "folder-title" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, drafts ? "À" : "De"), h("th", { scope: "col" }, "Objet"), h("th", { scope: "col" }, "Date"), h("th", { scope: "col" }, h("span", { class: "sr" }, "Pièces jointes")))),
    body,
  );
  container.replaceChildren(h("section", { class: "card" }, h("h2", { id: "folder-title" }, folder.name), table, status, more));
  let cursor = null;
  const load = async () => {
    more.disabled = true;
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) params.set("cursor", cursor);
    const page = drafts ? await api(`/mail/drafts?${params}`) : await api(`/mail/folders/${encodeURIComponent(folder.folder_id)}/messages?${params}`);
    body.append(...page.items.map((item) => (drafts ? draftRow(item) : messageRow(item, folder.folder_id))));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    more.disabled = false;
    status.textContent = body.childElementCount ? `${body.childElementCount} message${body.childElementCount > 1 ? "s" : ""} affiché${body.childElementCount > 1 ? "s" : ""}` : "Aucun message dans ce dossier.";
  };
  more.addEventListener("click", () => load().catch(showProblem));
  await load();
}

function messageRow(copy, folderId) {
  const unread = !copy.read;
  const subject = copy.subject || "(sans objet)";
  return h(
    "tr",
    { class: unread ? "unread" : null, dataset: { messageId: copy.message_id } },
    h("td", {}, copy.sender_name),
    h("td", {}, h("a", { href: `#message/${folderId}/${copy.message_id}` }, unread ? h("span", { class: "sr" }, "Non lu : ") : null, subject), h("span", { class: "muted preview" }, copy.preview)),
    h("td", {}, when(copy.sent_at)),
    h("td", {}, copy.has_attachments ? clip() : null),
  );
}

function draftRow(draft) {
  const count = draft.to.length + draft.cc.length + draft.bcc.length;
  return h(
    "tr",
    { dataset: { draftId: draft.draft_id } },
    h("td", {}, count ? `${count} destinataire${count > 1 ? "s" : ""}` : "—"),
    h("td", {}, h("a", { href: `#brouillon/${draft.draft_id}` }, draft.subject || "(sans objet)")),
    h("td", {}, when(draft.saved_at)),
    h("td", {}, draft.attachments.length ? clip() : null),
  );
}

// "PJ" for the eyes, a sentence for screen readers.
function clip() {
  return h("span", { class: "tag", title: "Pièce jointe" }, h("span", { "aria-hidden": "true" }, "PJ"), h("span", { class: "sr" }, "avec pièce jointe"));
}
