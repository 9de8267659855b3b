// Downloads and names. A document's content needs the bearer token, which a plain link
// cannot send: it is fetched, then handed to the browser as a file to save.
import { api, download, saveFile } from "./ent.js";
import { nameOf as cardName } from "./recipients.js";

// A recipient's name, from their card (the shared lookup: one request per person per page
// view; the directory shows only people I may write to, so someone else stays "destinataire").
export const nameOf = (userId) => cardName(userId).then((name) => name || "destinataire");

export function downloadDocument(entry, region) {
  return download(`/locker/documents/${encodeURIComponent(entry.document_id)}/content`, entry.file_name, { region });
}

export async function downloadZip(documentIds) {
  const response = await api("/locker/documents/download", { method: "POST", json: { document_ids: documentIds }, raw: true });
  saveFile(await response.blob(), "casier.zip");
}
