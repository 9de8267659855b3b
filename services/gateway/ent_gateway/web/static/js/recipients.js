// Choosing recipients, shared by the Casier (one field) and the Messagerie (À, Cc, Cci):
// the directory's lookups, a recipient as the API takes it, French labels, and two widgets:
// a combobox of suggestions and a list of removable chips. The directory decides again when
// the deposit or the message is sent: all this only helps to choose.
//
// A recipient value is what the API takes: a user id, or an audience "group:<id>:<role>".
// A choice is what the user picks: {key, label, values, detail} — `values` the recipient
// values it stands for (one, or a favourite's whole set), `key` unique among the choices.
import { api, h } from "./ent.js";

export const MIN_SEARCH = 3; // the directory's search answers 400 below this

export const PROFILES = { student: "élève", teacher: "enseignant", parent: "parent", staff: "personnel", guest: "invité" };
export const LIST_KINDS = {
  pedagogical: "Listes pédagogiques",
  administrative: "Listes administratives",
  family: "Famille",
  collaborative: "Espaces collaboratifs",
};
// Why the directory refuses a recipient (POST /directory/reachability, and the 422s of the
// services that call it).
export const REASONS = {
  not_allowed: "hors de vos listes",
  sender_frozen: "votre compte est gelé",
  sender_inactive: "votre compte n'est pas actif",
  recipient_inactive: "compte inactif",
  reserved_to_management: "réservé à la direction",
};

export const reasonOf = (code) => REASONS[code] || code || "refusé";
export const audienceValue = (audience) => `group:${audience.group_id}:${audience.role}`;
// An entry of a favourite, or of a refusal: a user, or an audience.
export const entryValue = (entry) => entry.user_id || audienceValue(entry);
export const isAudience = (value) => value.startsWith("group:");

// --- choices ------------------------------------------------------------------------
export function personChoice(user) {
  return { key: user.user_id, label: user.display_name, values: [user.user_id], detail: userDetail(user) };
}

export function audienceChoice(audience) {
  const value = audienceValue(audience);
  return { key: value, label: audience.label, values: [value], detail: "groupe" };
}

export function favouriteChoice(favourite) {
  // A favourite is a saved set: it stands for its entries, under its own name.
  return { key: `favourite:${favourite.favourite_id}`, label: `★ ${favourite.name}`, values: favourite.recipients.map(entryValue), detail: "favori" };
}

function userDetail(user) {
  const parts = [PROFILES[user.profile] || user.profile];
  if (user.subjects?.length) parts.push(user.subjects.join(", "));
  if (user.classes?.length) parts.push(user.classes.join(", "));
  return parts.filter(Boolean).join(" · ");
}

// --- the directory ------------------------------------------------------------------------
// People, audiences and favourites I may write to, as choices (none below three letters).
export async function searchDirectory(query, signal) {
  if (query.length < MIN_SEARCH) return [];
  const found = await api(`/directory/search?q=${encodeURIComponent(query)}`, { signal });
  return [...found.users.map(personChoice), ...found.groups.map(audienceChoice), ...found.favourites.map(favouriteChoice)];
}

// The assistant: the audiences I may write to, each with its `list_kind`.
export function listAudiences() {
  return api("/directory/assistant");
}

export function audienceMembers(audience) {
  const params = new URLSearchParams({ group_id: audience.group_id, role: audience.role });
  return api(`/directory/assistant/members?${params}`);
}

export function byListKind(audiences) {
  const lists = new Map();
  for (const a of audiences) lists.set(a.list_kind, [...(lists.get(a.list_kind) || []), a]);
  return lists;
}

// A person's name from their card, one request per person per page view. The directory
// shows only people I may write to: someone else (404) stays unnamed (null).
const names = new Map();
export function nameOf(userId) {
  if (!names.has(userId)) {
    names.set(
      userId,
      api(`/directory/users/${encodeURIComponent(userId)}`).then(
        (card) => card.display_name,
        () => null,
      ),
    );
  }
  return names.get(userId);
}

// --- the chips ------------------------------------------------------------------------
// The chosen recipients, each a chip with its « × » button. `status` is an aria-live line
// that says each change; `fallback` gets the focus when the last chip goes; `where` names
// the field in what is said (" (Cc)"); `empty` is shown while there is no chip.
export class ChipList {
  constructor({ list, status, fallback, where = "", empty = null, onChange = null }) {
    Object.assign(this, { list, status, fallback, where, empty, onChange });
    this.items = new Map();
  }

  get size() {
    return this.items.size;
  }

  has(key) {
    return this.items.has(key);
  }

  // Replaces the chips without a word: what a draft or an earlier deposit already held.
  set(choices) {
    this.items = new Map(choices.map((c) => [c.key, c]));
    this.render();
  }

  clear() {
    this.set([]);
  }

  add(choice) {
    if (this.items.has(choice.key)) return;
    this.items.set(choice.key, choice);
    this.render();
    const count = `${this.size} destinataire${this.size > 1 ? "s" : ""}`;
    this.status.textContent = `${choice.label} ajouté${this.where}. ${count}.`;
    this.onChange?.();
  }

  // From a chip's button, the keyboard stays in the chips (the next one, or the previous);
  // `stay` keeps it where it is (Backspace in the field).
  remove(key, { stay = false } = {}) {
    const at = [...this.items.keys()].indexOf(key);
    const removed = this.items.get(key);
    if (!removed) return;
    this.items.delete(key);
    this.render();
    if (!stay) {
      const buttons = this.list.querySelectorAll("button");
      (buttons[Math.min(at, buttons.length - 1)] || this.fallback).focus();
    }
    this.status.textContent = `${removed.label} retiré${this.where}.`;
    this.onChange?.();
  }

  removeLast() {
    const last = [...this.items.keys()].at(-1);
    if (last !== undefined) this.remove(last, { stay: true });
  }

  keys() {
    return [...this.items.keys()];
  }

  labels() {
    return [...this.items.values()].map((c) => c.label);
  }

  // The recipient values to send, each once.
  values() {
    return [...new Set([...this.items.values()].flatMap((c) => c.values))];
  }

  // Who a recipient value is, in the words of the chip that holds it.
  labelOf(value) {
    return [...this.items.values()].find((c) => c.values.includes(value))?.label;
  }

  // Says on its chip why the server refused a recipient (the chip of that value alone).
  markRefused(value, reason) {
    const chip = [...this.list.children].find((li) => li.dataset.key === value);
    if (!chip || chip.classList.contains("refused")) return;
    chip.classList.add("refused");
    chip.querySelector(".label").after(h("span", { class: "reason" }, ` (${reasonOf(reason)})`));
  }

  render() {
    this.list.replaceChildren(
      ...[...this.items.values()].map((c) =>
        h(
          "li",
          { class: "chip", dataset: { key: c.key } },
          h("span", { class: "label" }, c.label),
          h("button", { type: "button", class: "link", "aria-label": `Retirer ${c.label}`, onclick: () => this.remove(c.key) }, "×"),
        ),
      ),
    );
    if (this.empty) this.empty.hidden = this.size > 0;
  }
}

// --- the suggestions ---------------------------------------------------------------------
// A combobox (WAI-ARIA 1.2): the focus stays in the field while the arrows walk the
// suggestions (aria-activedescendant); Enter picks, Escape closes, leaving the field too.
// `lookUp(query, signal)` answers the choices for what is typed (from `minLetters`);
// `onPick(choice)` takes the one picked; `onError(error)` shows a failed look-up.
export class Combobox {
  constructor({ input, listbox, status, lookUp, onPick, onError, minLetters = MIN_SEARCH }) {
    Object.assign(this, { input, listbox, status, lookUp, onPick, onError, minLetters });
    this.choices = [];
    this.active = -1;
    this.timer = 0;
    this.pending = null;
    // Set here too, so a field built in JS is as complete as one written in a template.
    for (const [name, value] of Object.entries({ role: "combobox", autocomplete: "off", "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listbox.id })) {
      input.setAttribute(name, value);
    }
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    input.addEventListener("input", () => this.soon());
    input.addEventListener("keydown", (e) => this.onKey(e));
    input.addEventListener("blur", () => this.close()); // a click on a suggestion keeps the focus
  }

  soon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.search(), 200); // one request per pause in typing
  }

  async search() {
    const query = this.input.value.trim();
    this.pending?.abort();
    if (query.length < this.minLetters) return this.close();
    const pending = (this.pending = new AbortController());
    try {
      const choices = await this.lookUp(query, pending.signal);
      if (!pending.signal.aborted) this.show(choices);
    } catch (error) {
      if (error.name !== "AbortError") this.onError(error);
    }
  }

  show(choices) {
    this.choices = choices;
    this.active = choices.length ? 0 : -1;
    const option = (c, i) =>
      h(
        "li",
        { role: "option", id: `${this.listbox.id}-${i}`, "aria-selected": "false", onmousedown: (e) => e.preventDefault(), onclick: () => this.pick(i) },
        c.label,
        c.detail ? h("span", { class: "muted" }, ` — ${c.detail}`) : null,
      );
    this.listbox.replaceChildren(...choices.map(option));
    if (!choices.length) this.listbox.append(h("li", { class: "muted", "aria-disabled": "true" }, "Aucun résultat parmi les destinataires autorisés."));
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.highlight();
    this.status.textContent = `${choices.length} suggestion${choices.length > 1 ? "s" : ""}`;
  }

  highlight() {
    const options = this.listbox.querySelectorAll("[role=option]");
    options.forEach((li, i) => li.setAttribute("aria-selected", String(i === this.active)));
    const current = options[this.active];
    if (current) {
      this.input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView({ block: "nearest" });
    } else this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    // A look-up still under way would reopen the list over a field already done with.
    clearTimeout(this.timer);
    this.pending?.abort();
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  onKey(event) {
    const open = !this.listbox.hidden && this.choices.length > 0;
    const count = this.choices.length;
    if (event.key === "ArrowDown" && open) this.active = (this.active + 1) % count;
    else if (event.key === "ArrowUp" && open) this.active = (this.active - 1 + count) % count;
    else if (event.key === "Escape" && !this.listbox.hidden) this.close();
    else if (event.key === "Enter") {
      // Enter picks a suggestion; it never submits the form from the search field.
      event.preventDefault();
      if (open && this.active >= 0) this.pick(this.active);
      return;
    } else return;
    event.preventDefault();
    this.highlight();
  }

  pick(index) {
    const choice = this.choices[index];
    if (!choice) return;
    this.input.value = "";
    this.close();
    this.onPick(choice);
    this.input.focus();
  }
}
