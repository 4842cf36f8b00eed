// A message's text as a safe Markdown subset: emphasis, inline code and code blocks, quotes,
// lists and links, URLs autolinked. marked (the parser) and DOMPurify (the sanitizer) come
// from npm, pinned by package-lock.json and served from this server (no CDN). Raw HTML in a
// message is shown as the text it is; what the parser makes is sanitized against a short
// list of tags, links only to http(s) and mailto, each opening in a new tab without an
// opener or a referrer. The result is a DOM fragment, never assigned as HTML to the page.
// `@name` of someone in the room is highlighted (one's own name for oneself more).

import { Marked } from "/static/vendor/marked.esm.js";
import DOMPurify from "/static/vendor/purify.es.mjs";

const TAGS = ["p", "br", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a"];
const SAFE_URL = /^(?:https?:|mailto:)/i;

const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const parser = new Marked({
  gfm: true,
  breaks: true, // a chat's line break is a line break
  renderer: {
    html: ({ text }) => escapeHtml(text), // raw HTML is text
    heading: ({ text }) => `<p>${escapeHtml(text)}</p>`, // no headings in a message: text
    image: ({ text }) => escapeHtml(text), // no images: their alt text (nothing is loaded)
  },
});

const purifier = DOMPurify(window);
purifier.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") || "";
  if (!SAFE_URL.test(href)) {
    node.removeAttribute("href");
    return;
  }
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer");
});

function mentionPattern(names) {
  const words = [...new Set(names.filter(Boolean))].sort((a, b) => b.length - a.length);
  if (words.length === 0) return null;
  const escaped = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`@(${escaped.join("|")})(?![\\p{L}\\p{N}_])`, "giu");
}

// Wraps each `@name` (of `names`) in the fragment's text, outside code and links.
function markMentions(root, names, me) {
  const pattern = mentionPattern(names);
  if (!pattern) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement && node.parentElement.closest("code, pre, a")
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode);
  for (const node of texts) {
    const text = node.nodeValue;
    pattern.lastIndex = 0;
    if (!pattern.test(text)) continue;
    pattern.lastIndex = 0;
    const parts = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      parts.push(document.createTextNode(text.slice(last, match.index)));
      const mark = document.createElement("span");
      const mine = me && match[1].toLowerCase() === me.toLowerCase();
      mark.className = mine ? "mention me" : "mention";
      mark.textContent = match[0];
      parts.push(mark);
      last = match.index + match[0].length;
    }
    parts.push(document.createTextNode(text.slice(last)));
    node.replaceWith(...parts);
  }
}

// The message as a sanitized fragment; `names` are the room's people, `me` this page's name.
export function renderText(text, { names = [], me = null } = {}) {
  const html = parser.parse(text);
  const fragment = purifier.sanitize(html, {
    ALLOWED_TAGS: TAGS,
    ALLOWED_ATTR: ["href", "target", "rel"],
    RETURN_DOM_FRAGMENT: true,
  });
  markMentions(fragment, me ? [...names, me] : names, me);
  return fragment;
}
