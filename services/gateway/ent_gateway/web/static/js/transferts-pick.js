// Choosing what to send: files, a folder (its relative paths kept) or a drop of either.
// Each chosen file is kept with its path inside the transfer (`folder/sub/a.pdf`), the path
// the API declares and the zip restores.
import { $, h, size } from "./ent.js";

// Paths alike ignoring case are one file for the API (the zip is unpacked on Windows too):
// choosing the same path again replaces the earlier file.
const key = (path) => path.normalize("NFC").toLowerCase();

export class Chosen {
  constructor(list, { onChange = () => {} } = {}) {
    this.list = list;
    this.files = new Map(); // key -> { path, file, bar }
    this.onChange = onChange;
  }

  add(entries) {
    for (const { path, file } of entries) this.files.set(key(path), { path: path.normalize("NFC"), file });
    this.render();
  }

  remove(path) {
    this.files.delete(key(path));
    this.render();
  }

  clear() {
    this.files.clear();
    this.render();
  }

  get entries() {
    return [...this.files.values()];
  }

  get totalBytes() {
    return this.entries.reduce((sum, e) => sum + e.file.size, 0);
  }

  // While sending, the « Retirer » buttons would change what is being sent: locked.
  lock(locked) {
    for (const button of this.list.querySelectorAll("button")) button.disabled = locked;
  }

  // The per-file bar, shown once the upload starts.
  progress(path, sent) {
    const entry = this.files.get(key(path));
    if (!entry) return;
    entry.bar.hidden = false;
    entry.bar.max = Math.max(entry.file.size, 1);
    entry.bar.value = entry.file.size ? sent : 1;
  }

  render() {
    const rows = this.entries.map((entry) => {
      entry.bar = h("progress", { class: "file-bar", max: "1", value: "0", "aria-label": `Envoi de ${entry.path}`, hidden: true });
      return h(
        "li",
        { dataset: { path: entry.path } },
        h("span", { class: "path" }, entry.path),
        " ",
        h("span", { class: "muted" }, size(entry.file.size)),
        h("button", { type: "button", class: "link", onclick: () => this.remove(entry.path) }, "Retirer", h("span", { class: "sr" }, ` ${entry.path}`)),
        entry.bar, // last: the grid gives it a whole row under the name
      );
    });
    this.list.replaceChildren(...rows);
    $("#chosen-block").hidden = rows.length === 0;
    $("#chosen-total").textContent = rows.length ? `(${rows.length}, ${size(this.totalBytes)})` : "";
    this.onChange(this);
  }
}

// A file input's files: a folder input gives each file's `webkitRelativePath`.
export function fromInput(input) {
  return [...input.files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

// A folder dropped from a file manager arrives as a directory entry: walked, paths kept.
async function walk(entry, prefix) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ path: `${prefix}${file.name}`, file }];
  }
  const reader = entry.createReader();
  const found = [];
  for (;;) {
    // readEntries answers at most 100 entries at a time, then an empty batch at the end.
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) found.push(...(await walk(child, `${prefix}${entry.name}/`)));
  }
  return found;
}

// The entries must be taken during the drop event itself: the DataTransfer is emptied after.
export function fromDrop(dataTransfer) {
  const items = [...(dataTransfer.items || [])].filter((i) => i.kind === "file");
  const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (entries.length && entries.every(Boolean)) {
    return Promise.all(entries.map((e) => walk(e, ""))).then((lists) => lists.flat());
  }
  return Promise.resolve([...dataTransfer.files].map((file) => ({ path: file.name, file })));
}

// The drop zone: a highlight while something is dragged over, then the files taken.
export function wireDropzone(zone, onFiles) {
  let depth = 0; // dragenter/dragleave fire for every child crossed
  zone.addEventListener("dragenter", (e) => {
    e.preventDefault();
    depth += 1;
    zone.classList.add("over");
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("over");
  });
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    zone.classList.remove("over");
    fromDrop(e.dataTransfer).then(onFiles);
  });
}
