// The documents a teacher joined to a homework, downloaded with the bearer token.
import { download, h } from "./ent.js";


export function documents(homework) {
  if (!homework.documents || !homework.documents.length) return null;
  const path = (d) => `/schoollife/notebook/homework/${encodeURIComponent(homework.homework_id)}/documents/${encodeURIComponent(d.document_id)}`;
  return h(
    "ul",
    { class: "documents" },
    homework.documents.map((d) => h("li", {}, h("button", { type: "button", class: "link", onclick: () => download(path(d), d.file_name) }, `Télécharger ${d.file_name}`))),
  );
}
