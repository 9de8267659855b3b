// The recipients of a deposit: one field searching the directory (people, groups and
// favourites I may write to; a favourite stays one chip), « mes listes » from the assistant,
// the chosen ones as chips. The widgets and lookups are the shared ones of recipients.js.
import { h, $, showProblem } from "./ent.js";
import { ChipList, Combobox, LIST_KINDS, audienceChoice, audienceValue, byListKind, entryValue, listAudiences, nameOf, searchDirectory } from "./recipients.js";

export class RecipientAssistant {
  constructor({ problemRegion, form }) {
    this.problemRegion = problemRegion;
    this.input = $("#recipient-search");
    this.select = $("#recipient-list");
    this.chips = new ChipList({
      list: $("#recipient-chips"),
      status: $("#recipient-status"),
      fallback: this.input,
      empty: $("#no-recipient"),
      onChange: () => this.input.removeAttribute("aria-invalid"),
    });
    this.combo = new Combobox({
      input: this.input,
      listbox: $("#recipient-options"),
      status: $("#recipient-status"),
      lookUp: async (query, signal) => (await searchDirectory(query, signal)).filter((c) => !this.chips.has(c.key)),
      onPick: (choice) => this.chips.add(choice),
      onError: (error) => showProblem(error, { region: problemRegion, form }),
    });
    $("#recipient-list-add").addEventListener("click", () => this.addList());
  }

  // « Ou ajouter une de mes listes »: the assistant's audiences, grouped by list.
  async loadLists() {
    try {
      this.audiences = await listAudiences();
      for (const [kind, items] of byListKind(this.audiences)) {
        this.select.append(h("optgroup", { label: LIST_KINDS[kind] || kind }, items.map((a) => h("option", { value: audienceValue(a) }, a.label))));
      }
    } catch (error) {
      showProblem(error, { region: this.problemRegion });
    }
  }

  addList() {
    const chosen = this.audiences?.find((a) => audienceValue(a) === this.select.value);
    if (!chosen) return this.select.focus();
    this.chips.add(audienceChoice(chosen));
    this.select.value = "";
  }

  // Someone known by id only (the recipients of an earlier deposit): named by their card.
  async addPeople(userIds) {
    const labels = await Promise.all(userIds.map(nameOf));
    this.chips.set(userIds.map((id, i) => ({ key: id, label: labels[i] || "destinataire", values: [id] })));
  }

  get size() {
    return this.chips.size;
  }

  clear() {
    this.chips.clear();
  }

  values() {
    return this.chips.values();
  }

  snapshot() {
    return this.chips.labels();
  }

  // Who a refused entry of a receipt was, in the words the user chose.
  labelOf(refused) {
    return this.chips.labelOf(entryValue(refused)) || refused.user_id || refused.group_id || "un destinataire";
  }
}
