// The Casier page: « Déposer dans un casier » and the three folders (Mon casier, Historique,
// Corbeille). The view is in the address (#depot, #recus, #historique, #corbeille), so the
// browser's back button and bookmarks work; the folder links are plain links.
import { boot, api, $, ready, size } from "./ent.js";
import { DepositForm } from "./casier-deposit.js";
import { FolderView, FOLDERS } from "./casier-folders.js";
import { SelectionActions } from "./casier-actions.js";

const DEFAULT_VIEW = "recus";

async function showUsage() {
  try {
    const usage = await api("/locker/usage");
    $("#usage").textContent = `Espace utilisé : ${size(usage.used_bytes)} sur ${size(usage.quota_bytes)}`;
  } catch {
    $("#usage").textContent = ""; // the quota line is a courtesy: the page works without it
  }
}

function viewOf(hash) {
  const name = hash.replace(/^#/, "");
  return name === "depot" || name in FOLDERS ? name : DEFAULT_VIEW;
}

async function start(user) {
  const deposit = new DepositForm({ onDeposited: showUsage });
  const folders = new FolderView({
    me: user,
    onNewVersion: (entry) => {
      location.hash = "#depot";
      deposit.newVersionOf(entry).then(() => $("#deposit-file").focus());
    },
  });
  new SelectionActions(folders);

  const show = async () => {
    const view = viewOf(location.hash);
    for (const link of document.querySelectorAll("#casier-nav [data-view]")) {
      if (link.dataset.view === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    $("#deposit").hidden = view !== "depot";
    $("#folder").hidden = view === "depot";
    if (view !== "depot") await folders.open(view);
  };
  addEventListener("hashchange", show);
  await Promise.all([show(), deposit.load(), showUsage()]);
  ready($("#app"));
}

const user = boot();
if (user) start(user);
