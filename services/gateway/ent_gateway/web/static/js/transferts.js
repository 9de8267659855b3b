// Transferts: send large files by a link (seed 002 §III, « WeTransfer »), then « Mes
// transferts ». The parts: choosing files (-pick), tus uploads (-tus), sending (-send), the
// link and sharing it (-share), the list (-list).
import { $, boot, ready, say, when } from "./ent.js";
import { MyTransfers } from "./transferts-list.js";
import { Chosen, fromInput, wireDropzone } from "./transferts-pick.js";
import { Sender } from "./transferts-send.js";
import { ShareDialog, copyLink } from "./transferts-share.js";

function showResult(transfer) {
  const result = $("#result");
  $("#share-link").value = transfer.share_url;
  const details = [`Valable jusqu'au ${when(transfer.expires_at)}`];
  if (transfer.download_limit) details.push(`${transfer.download_limit} téléchargement(s) au plus`);
  if (transfer.password_protected) details.push("protégé par votre mot de passe (à donner vous-même)");
  $("#result-details").textContent = `${details.join(" · ")}.`;
  result.dataset.transferId = transfer.transfer_id;
  result.hidden = false;
  $("#send-card").hidden = true; // its status line goes with it: the alert region says it
  result.focus();
  say("Envoi terminé : votre lien est prêt.");
}

function start() {
  const form = $("#send");
  const chosen = new Chosen($("#chosen"));
  for (const input of [$("#files"), $("#folder")]) {
    input.addEventListener("change", () => {
      chosen.add(fromInput(input));
      input.value = ""; // choosing the same file again later still fires `change`
    });
  }
  wireDropzone($("#dropzone"), (entries) => chosen.add(entries));

  const share = new ShareDialog();
  const mine = new MyTransfers({ onShare: (id) => share.open(id) });
  new Sender(form, chosen, {
    onSent: (transfer) => {
      showResult(transfer);
      mine.load();
    },
  });

  $("#copy-link").addEventListener("click", () => copyLink($("#share-link")));
  $("#share-open").addEventListener("click", () => share.open($("#result").dataset.transferId));
  $("#send-more").addEventListener("click", () => {
    form.reset();
    chosen.clear();
    $("#progress-block").hidden = true;
    $("#upload-status").textContent = "";
    $("#result").hidden = true;
    $("#send-card").hidden = false;
    $("#files").focus();
  });
  return mine.load();
}

if (boot()) start().finally(() => ready($("#app")));
