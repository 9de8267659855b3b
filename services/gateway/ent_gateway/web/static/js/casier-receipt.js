// A deposit's signed receipt, shown as the confirmation: what, for whom, the server's time
// and the SHA-256. The user can keep it (a JSON file) and ask the locker whether it is genuine
// and still matches the stored document, which is what makes it a proof.
import { api, h, saveFile, size, when, showProblem } from "./ent.js";

// The signed fields only: what the locker's HMAC covers (the refusals are not part of it).
function signedPart(receipt) {
  const { document_id, sender_id, recipient_ids, file_name, size, sha256, deposited_at, previous_version_id, signature } = receipt;
  return { document_id, sender_id, recipient_ids, file_name, size, sha256, deposited_at, previous_version_id, signature };
}

async function verify(receipt, output) {
  output.textContent = "Vérification…";
  try {
    const answer = await api("/locker/receipts/verify", { method: "POST", json: signedPart(receipt) });
    if (!answer.genuine) output.textContent = "Ce reçu n'est pas authentique.";
    else if (!answer.matches_stored) output.textContent = "Reçu authentique, mais le document n'est plus conservé tel quel.";
    else output.textContent = "Reçu authentique : le document conservé est bien celui-ci.";
  } catch (error) {
    output.textContent = "";
    showProblem(error, { region: output });
  }
}

function keep(receipt) {
  const json = JSON.stringify(signedPart(receipt), null, 2);
  saveFile(new Blob([json], { type: "application/json" }), `recu-${receipt.file_name}.json`);
}

export function receiptView(receipt, labels, refused) {
  const reached = receipt.recipient_ids.length;
  const output = h("div", { class: "verdict", role: "status" });
  return h(
    "article",
    { class: "receipt", "data-document-id": receipt.document_id },
    h("p", { class: "success" }, `« ${receipt.file_name} » a bien été déposé dans ${reached} casier${reached > 1 ? "s" : ""}.`),
    h(
      "dl",
      {},
      h("dt", {}, "Fichier"),
      h("dd", { class: "receipt-name" }, `${receipt.file_name} (${size(receipt.size)})`),
      h("dt", {}, "Destinataires"),
      h("dd", { class: "receipt-recipients" }, `${labels.join(", ")} — ${reached} personne${reached > 1 ? "s" : ""}`),
      h("dt", {}, "Heure du serveur"),
      h("dd", {}, h("time", { datetime: receipt.deposited_at, class: "receipt-time" }, when(receipt.deposited_at))),
      h("dt", {}, "Empreinte SHA-256"),
      h("dd", {}, h("code", { class: "receipt-sha256" }, receipt.sha256)),
    ),
    refused.length
      ? h("div", { class: "problem refused" }, h("p", {}, "Non déposé pour :"), h("ul", {}, refused.map((r) => h("li", {}, `${r.who} : ${r.why}`))))
      : null,
    h(
      "div",
      { class: "toolbar" },
      h("button", { type: "button", class: "secondary verify", onclick: () => verify(receipt, output) }, "Vérifier ce reçu"),
      h("button", { type: "button", class: "secondary", onclick: () => keep(receipt) }, "Enregistrer le reçu"),
    ),
    output,
  );
}
