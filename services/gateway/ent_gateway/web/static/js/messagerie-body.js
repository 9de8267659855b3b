// Message bodies. The server sanitizes every body (an nh3 allow-list), yet the page still
// never hands a body to innerHTML: it parses it inert (DOMParser runs no script and loads
// nothing) and rebuilds only the toolbar's tags, with fresh elements and text nodes.

const KEPT = new Set(["P", "BR", "DIV", "SPAN", "B", "STRONG", "I", "EM", "U", "S", "STRIKE", "SUB", "SUP", "UL", "OL", "LI", "BLOCKQUOTE", "A"]);
const SAFE_LINK = /^(https?:|mailto:)/i;

function rebuild(source) {
  if (source.nodeType === Node.TEXT_NODE) return document.createTextNode(source.data);
  if (source.nodeType !== Node.ELEMENT_NODE) return null;
  const children = [...source.childNodes].map(rebuild).filter(Boolean);
  // An unknown tag keeps its text, as the server's cleaner does; never its attributes.
  if (!KEPT.has(source.tagName)) return children.length ? fragmentOf(children) : null;
  const copy = document.createElement(source.tagName.toLowerCase());
  if (source.tagName === "A") {
    const href = source.getAttribute("href") || "";
    if (SAFE_LINK.test(href.trim())) {
      copy.href = href.trim();
      copy.rel = "noopener noreferrer nofollow";
      copy.target = "_blank";
    }
  }
  copy.append(...children);
  return copy;
}

function fragmentOf(nodes) {
  const fragment = document.createDocumentFragment();
  fragment.append(...nodes);
  return fragment;
}

// The body as DOM nodes to append: only allowed tags, links only to http(s)/mailto.
export function bodyNodes(html) {
  const parsed = new DOMParser().parseFromString(html || "", "text/html");
  return [...parsed.body.childNodes].map(rebuild).filter(Boolean);
}

// What the person typed (plain text) as the HTML the API takes: a paragraph per line, each
// line as text, so "<b>" typed stays "<b>" on screen. Serialized by the DOM, which escapes.
export function textToHtml(text) {
  const holder = document.createElement("div");
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const paragraph = document.createElement("p");
    if (line) paragraph.textContent = line;
    else paragraph.append(document.createElement("br"));
    holder.append(paragraph);
  }
  return holder.innerHTML; // reading the DOM's own serialization, never writing into it
}

// A reply or forward draft is "<p></p>" (room to write) then the quoted thread in top-level
// blockquotes. The person edits the first part as text; the quote is kept as the server made
// it and sent back after their words (the server sanitizes it again).
export function splitDraftBody(html) {
  const parsed = new DOMParser().parseFromString(html || "", "text/html");
  const top = [...parsed.body.childNodes];
  const firstQuote = top.findIndex((n) => n.nodeType === Node.ELEMENT_NODE && n.tagName === "BLOCKQUOTE");
  const own = firstQuote < 0 ? top : top.slice(0, firstQuote);
  const quoted = firstQuote < 0 ? [] : top.slice(firstQuote);
  const text = own.map((n) => (n.nodeType === Node.ELEMENT_NODE ? blockText(n) : n.textContent)).join("\n").replace(/\n+$/, "");
  const holder = parsed.createElement("div");
  holder.append(...quoted);
  return { text, quote: holder.innerHTML }; // the parser's serialization: text stays escaped
}

function blockText(element) {
  // <br> are line breaks in what the person wrote; textContent would drop them.
  return [...element.childNodes].map((n) => (n.nodeName === "BR" ? "\n" : n.nodeType === Node.ELEMENT_NODE ? blockText(n) : n.textContent)).join("");
}
