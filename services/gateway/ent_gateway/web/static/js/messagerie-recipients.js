// Recipients of a message: a field of removable chips per list (À, Cc, Cci), suggestions
// while typing (the address book from one letter, the directory's search from three), and
// the recipient assistant (the audiences I may write to, by list, and their members).
// The widgets and the directory's lookups are the shared ones of recipients.js; here, what
// only a message has: three fields, the address book, a favourite spread into its members.
import { api, h, showProblem } from "./ent.js";
import { ChipList, Combobox, LIST_KINDS, audienceMembers, audienceValue, byListKind, entryValue, isAudience, listAudiences, nameOf, searchDirectory } from "./recipients.js";

export const FIELDS = [
  ["to", "À"],
  ["cc", "Cc"],
  ["bcc", "Cci"],
];
const labelOf = (field) => FIELDS.find(([f]) => f === field)[1];

// The address book (GET /mail/contacts) and the directory, one choice per recipient.
async function lookUp(query, signal) {
  const [contacts, found] = await Promise.all([api(`/mail/contacts?q=${encodeURIComponent(query)}`, { signal }), searchDirectory(query, signal)]);
  const choices = new Map(contacts.items.map((c) => [c.contact, { key: c.contact, label: c.name, values: [c.contact], detail: "Carnet d'adresses" }]));
  for (const choice of found) choices.set(choice.key, choice); // the directory says more
  return [...choices.values()];
}

export class Recipients {
  // `names`: recipient → what to show, shared with the rest of the page.
  constructor(names) {
    this.names = names;
    this.chips = {};
  }

  values(field) {
    return this.chips[field].keys();
  }

  choice(recipient) {
    const label = this.names.get(recipient) || (isAudience(recipient) ? "Groupe" : "Destinataire");
    return { key: recipient, label, values: [recipient] };
  }

  set(field, recipients) {
    this.chips[field].set([...new Set(recipients)].map((r) => this.choice(r)));
  }

  add(field, recipient, name) {
    if (name) this.names.set(recipient, name);
    this.chips[field].add(this.choice(recipient));
  }

  // A favourite goes as its members, each on its own chip: named from their cards.
  async pick(field, choice) {
    if (choice.values.length === 1) return this.add(field, choice.values[0], choice.label);
    await Promise.all(choice.values.filter((v) => !isAudience(v) && !this.names.has(v)).map(async (v) => this.names.set(v, (await nameOf(v)) || "Destinataire")));
    for (const value of choice.values) this.add(field, value);
  }

  // Marks the chips the server refused (422 recipients_refused names each one, and why).
  markRefused(refused) {
    for (const r of refused) for (const chips of Object.values(this.chips)) chips.markRefused(entryValue(r), r.reason);
  }

  // --- the DOM -----------------------------------------------------------------------
  fields() {
    // Adding or removing a chip is said to screen readers (the assistant is elsewhere).
    const status = h("p", { class: "sr", id: "rcpt-status", "aria-live": "polite" });
    return [...FIELDS.map(([field, label]) => this.fieldNode(field, label, status)), status];
  }

  fieldNode(field, label, status) {
    const input = h("input", { id: `rcpt-${field}`, name: field, type: "text", "aria-describedby": `hint-${field} error-${field}` });
    const listbox = h("ul", { class: "suggestions", id: `suggest-${field}`, "aria-label": "Suggestions" });
    const list = h("ul", { class: "chips", id: `chips-${field}`, "aria-label": `Destinataires ${label}` });
    const chips = (this.chips[field] = new ChipList({ list, status, fallback: input, where: ` (${label})`, onChange: () => this.onChange?.() }));
    new Combobox({
      input,
      listbox,
      status,
      minLetters: 1,
      lookUp: async (query, signal) => (await lookUp(query, signal)).filter((c) => !chips.has(c.key)),
      onPick: (choice) => this.pick(field, choice),
      onError: (error) => showProblem(error),
    });
    // Backspace in an empty field takes back the last chip, as in a mail client.
    input.addEventListener("keydown", (e) => e.key === "Backspace" && !input.value && chips.removeLast());
    return h(
      "div",
      { class: "recipients", dataset: { field } },
      h("label", { for: input.id }, label),
      list,
      // The suggestions float over what follows: opening or closing them moves nothing.
      h("div", { class: "combo" }, input, listbox),
      h("p", { class: "muted hint", id: `hint-${field}` }, field === "to" ? "Tapez un nom (3 lettres pour l'annuaire), ou ouvrez l'assistant." : ""),
      h("p", { class: "field-error", id: `error-${field}` }),
    );
  }

  // --- the assistant ---------------------------------------------------------------------
  async assistant(panel) {
    const audiences = await listAudiences();
    for (const a of audiences) this.names.set(audienceValue(a), a.label);
    const target = h("select", { id: "assistant-field" }, FIELDS.map(([field, label]) => h("option", { value: field }, label)));
    panel.replaceChildren(
      h("div", { class: "toolbar" }, h("label", { for: "assistant-field" }, "Ajouter en"), target),
      ...[...byListKind(audiences)].map(([kind, list]) => h("section", {}, h("h3", {}, LIST_KINDS[kind] || kind), h("ul", { class: "items" }, list.map((a) => this.audienceRow(a, target))))),
    );
    if (!audiences.length) panel.append(h("p", { class: "muted" }, "Aucune liste de destinataires."));
  }

  audienceRow(audience, target) {
    const members = h("ul", { class: "items members", hidden: true });
    const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", onclick: () => this.members(audience, members, toggle, target) }, "Membres");
    const all = h("button", { type: "button", "aria-label": `Ajouter tous : ${audience.label}`, onclick: () => this.add(target.value, audienceValue(audience), audience.label) }, "Tous");
    return h("li", { class: "audience" }, h("span", {}, audience.label), " ", all, " ", toggle, members);
  }

  async members(audience, list, toggle, target) {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    list.hidden = !open;
    if (!open || list.childElementCount) return;
    try {
      const people = await audienceMembers(audience);
      const row = (p) =>
        h(
          "li",
          {},
          h("button", { type: "button", class: "link", "aria-label": `Ajouter ${p.display_name}`, onclick: () => this.add(target.value, p.user_id, p.display_name) }, p.display_name),
          p.main_teacher ? h("span", { class: "tag ok" }, "Professeur principal") : null,
        );
      list.replaceChildren(...people.map(row));
    } catch (error) {
      list.replaceChildren(h("li", { class: "muted" }, error.message));
    }
  }
}
