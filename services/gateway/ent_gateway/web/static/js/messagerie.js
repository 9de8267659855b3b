// The Messagerie: folders with their unread counts on the side, a folder's messages, a
// message, and the composer. The address (#dossier/…, #message/…, #nouveau, #brouillon/…)
// says what is shown, so Back and reloading work and every view is a link.
import { api, boot, h, $, showProblem, clearProblem, ready, setUnreadBadge } from "./ent.js";
import { showFolder } from "./messagerie-list.js";
import { showMessage } from "./messagerie-read.js";
import { Composer } from "./messagerie-compose.js";

const names = new Map(); // recipient → name, learnt from everything the API shows
let folders = [];
let composer = null; // the one open, if any

// GET /mail/folders: the system folders, then mine (one sub-level), with their counts.
async function refreshFolders() {
  try {
    folders = (await api("/mail/folders")).folders;
  } catch (error) {
    return showProblem(error);
  }
  const current = route().folder;
  const item = (f) => {
    const unread = f.unread ? h("span", { class: "count" }, ` (${f.unread})`, h("span", { class: "sr" }, ` non lu${f.unread > 1 ? "s" : ""}`)) : null;
    return h("li", { class: f.parent_id ? "sub" : null }, h("a", { href: `#dossier/${f.folder_id}`, dataset: { folder: f.folder_id, unread: String(f.unread) }, "aria-current": f.folder_id === current ? "true" : null }, f.name, unread));
  };
  const mine = folders.filter((f) => !f.system);
  const ordered = [...folders.filter((f) => f.system), ...mine.filter((f) => !f.parent_id).flatMap((top) => [top, ...mine.filter((f) => f.parent_id === top.folder_id)])];
  $("#folders").replaceChildren(...ordered.map(item));
}

// Counts changed here (a message read, trashed…): the side list, and the badge at once
// rather than at the stream's next event.
async function countsChanged() {
  await refreshFolders();
  try {
    setUnreadBadge((await api("/mail/unread-count")).unread);
  } catch {
    /* the live stream brings the count anyway */
  }
}

function route() {
  const [view, ...rest] = location.hash.replace(/^#/, "").split("/");
  if (view === "message") return { view, folder: rest[0], id: rest[1] };
  if (view === "nouveau" || view === "brouillon") return { view: "compose", folder: view === "brouillon" ? "drafts" : null, id: rest[0] || null };
  return { view: "folder", folder: rest[0] || "inbox" };
}

async function show() {
  const content = $("#content");
  const here = route();
  content.setAttribute("aria-busy", "true");
  clearProblemUnlessSaid();
  for (const link of document.querySelectorAll("#folders a")) {
    if (link.dataset.folder === here.folder) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  }
  try {
    // Leaving the composer saves what was typed since the last autosave.
    if (composer) await composer.leave();
    composer = null;
    if (here.view === "message") await showMessage(content, here.folder, here.id, { names, after: countsChanged, go });
    else if (here.view === "compose") await (composer = new Composer(names, closeComposer)).open(content, here.id);
    else await showFolder(content, folders.find((f) => f.folder_id === here.folder) || { folder_id: here.folder, name: "Dossier" });
  } catch (error) {
    showProblem(error);
    content.replaceChildren(h("p", {}, h("a", { href: "#dossier/inbox" }, "Retour à Reçus")));
  } finally {
    content.removeAttribute("aria-busy");
  }
}

// A success line (« Message envoyé. ») survives the view change it causes, once.
let keepAlert = false;
function clearProblemUnlessSaid() {
  if (!keepAlert) clearProblem();
  keepAlert = false;
}

function go(hash) {
  keepAlert = true;
  if (location.hash === hash) show();
  else location.hash = hash;
}

function closeComposer(sent) {
  composer = null; // sent or discarded: nothing left to save
  refreshFolders();
  go(sent ? "#dossier/sent" : "#dossier/inbox");
}

async function start() {
  if (!boot()) return;
  const app = $("#app");
  app.replaceChildren(
    h(
      "nav",
      { class: "folders", "aria-label": "Dossiers de la messagerie" },
      // Already on #nouveau, the link would change nothing: it opens a fresh form anyway.
      h("a", { href: "#nouveau", class: "button", id: "new-message", onclick: () => location.hash === "#nouveau" && show() }, "Nouveau message"),
      h("ul", { id: "folders", class: "items" }),
    ),
    h("div", { id: "content", tabindex: "-1" }),
  );
  app.classList.add("layout");
  await refreshFolders();
  ready(app);
  addEventListener("hashchange", show);
  // The live stream says the count changed (a message arrived, was read in another tab):
  // the folders' counts follow. Only when it differs from what the side list shows.
  document.addEventListener("ent:unread", (event) => {
    const inbox = folders.find((f) => f.folder_id === "inbox");
    if (inbox && inbox.unread === event.detail) return;
    const arrived = inbox && event.detail > inbox.unread;
    refreshFolders();
    const here = route();
    if (arrived && here.view === "folder" && here.folder === "inbox") show(); // the new one, at the top
  });
  await show();
}

start();
