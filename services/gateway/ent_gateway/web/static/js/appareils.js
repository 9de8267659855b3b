// Mobile pairing (« Flasher le QR code généré par la version en ligne »): a one-time,
// short-lived code shown as a QR code; the devices paired with the account, each revocable.
import { api, boot, h, $, when, showProblem, clearProblem, say, ready } from "./ent.js";

let expiryTimer = null;

async function showCode() {
  clearProblem();
  try {
    const pairing = await api("/auth/pairing", { method: "POST" });
    // As an image: an SVG in <img> runs no script, whatever it holds.
    $("#qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(pairing.qr_svg)}`;
    $("#code-text").textContent = pairing.code;
    $("#pairing").hidden = false;
    countDown(new Date(pairing.expires_at));
  } catch (error) {
    showProblem(error);
  }
}

function countDown(expiresAt) {
  clearInterval(expiryTimer);
  const tick = () => {
    const left = Math.round((expiresAt - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(expiryTimer);
      $("#pairing").hidden = true;
      $("#qr-expiry").textContent = "";
      say("Le QR code a expiré : affichez-en un nouveau.");
      return;
    }
    // Announced once a minute only: a screen reader is not flooded every second.
    if (left % 60 === 0 || !$("#qr-expiry").textContent) $("#qr-expiry").textContent = `Expire dans ${Math.ceil(left / 60)} min.`;
  };
  tick();
  expiryTimer = setInterval(tick, 1000);
}

async function listDevices() {
  const container = $("#devices");
  try {
    const devices = await api("/directory/devices");
    if (!devices.length) {
      container.replaceChildren(h("p", { class: "muted" }, "Aucun appareil associé."));
      return;
    }
    const rows = devices.map((d) =>
      h("tr", { dataset: { device: d.device_id } },
        h("td", {}, d.name),
        h("td", {}, when(d.paired_at)),
        h("td", {}, d.last_used_at ? when(d.last_used_at) : "—"),
        h("td", {}, h("button", { type: "button", class: "secondary", "aria-label": `Dissocier ${d.name}`, onclick: () => revoke(d) }, "Dissocier")),
      ),
    );
    container.replaceChildren(
      h("table", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Appareil"), h("th", { scope: "col" }, "Associé le"), h("th", { scope: "col" }, "Dernière utilisation"), h("th", { scope: "col" }, h("span", { class: "sr" }, "Actions")))),
        h("tbody", {}, rows),
      ),
    );
  } catch (error) {
    showProblem(error);
  } finally {
    ready(container);
  }
}

async function revoke(device) {
  if (!confirm(`Dissocier « ${device.name} » ? Il ne pourra plus se connecter.`)) return;
  try {
    await api(`/directory/devices/${encodeURIComponent(device.device_id)}`, { method: "DELETE" });
    say(`« ${device.name} » est dissocié.`);
    await listDevices();
  } catch (error) {
    showProblem(error);
  }
}

if (boot()) {
  $("#new-code").addEventListener("click", showCode);
  listDevices();
}
