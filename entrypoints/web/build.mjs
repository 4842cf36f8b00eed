// Build the web page into dist/: our files from src/, the ES module builds of
// socket.io-client, marked and DOMPurify from node_modules (installed by `npm ci` from
// package-lock.json), and the emoji picker's data made from emojibase-data. No bundler: the
// page loads plain modules, all from this server (no CDN).
import {
  cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync,
} from "node:fs";
import { gzipSync } from "node:zlib";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
// What the page loads from node_modules: each package's own ES module build, as npm
// installed it (pinned by package-lock.json), under dist/vendor/ by the same file name.
const modules = join(here, "node_modules");
const VENDOR = [
  join(modules, "socket.io-client", "dist", "socket.io.esm.min.js"),
  join(modules, "marked", "lib", "marked.esm.js"), // the Markdown parser
  join(modules, "dompurify", "dist", "purify.es.mjs"), // the HTML sanitizer
];
const EMOJI_DATA = join(modules, "emojibase-data", "en", "data.json"); // the picker's emoji
const COMPONENT_GROUP = 2; // skin tones and hair swatches: parts of emoji, no reaction alone

for (const file of [...VENDOR, EMOJI_DATA]) {
  if (!existsSync(file)) {
    console.error(`${file} is not installed: run \`npm ci\` here first.`);
    process.exit(1);
  }
}
// The picker's data as a module of one string, a line per emoji in Unicode's order:
// "emoji<TAB>name<TAB>more words", the words being emojibase's tags less those already in the
// name (about 33 KB gzipped; emoji.js searches it). Skin tone variants are left out.
function emojiModule(data) {
  const lines = data
    .filter((entry) => entry.group !== undefined && entry.group !== COMPONENT_GROUP)
    .sort((a, b) => a.order - b.order)
    .map((entry) => {
      const label = entry.label.toLowerCase();
      const more = (entry.tags || []).filter((tag) => !label.includes(tag.toLowerCase()));
      return [entry.emoji, entry.label, ...(more.length ? [more.join(" ")] : [])].join("\t");
    });
  const version = JSON.parse(readFileSync(join(modules, "emojibase-data", "package.json"), "utf8")).version;
  return `// Made by build.mjs from emojibase-data ${version} (MIT): en/data.json.\nexport default ${JSON.stringify(lines.join("\n"))};\n`;
}

// Built beside dist/, then put in its place: a server reading dist/ meanwhile finds either
// the old build or the new one, whole.
const next = join(here, "dist.next");
rmSync(next, { recursive: true, force: true });
mkdirSync(join(next, "vendor"), { recursive: true });
cpSync(join(here, "src"), next, { recursive: true });
for (const file of VENDOR) cpSync(file, join(next, "vendor", basename(file)));
writeFileSync(join(next, "vendor", "emoji-data.js"), emojiModule(JSON.parse(readFileSync(EMOJI_DATA, "utf8"))));
rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
console.log(`built the web page into ${dist}`);

// The page's weight: its JavaScript and CSS, gzipped, as a browser downloads them (the budget,
// 150 KB, is checked by tests/web/test_page_weight.py; docs/performance.md has the figure).
const code = readdirSync(dist, { recursive: true }).filter((name) => /\.(m?js|css)$/.test(name));
const gzipped = code.reduce((sum, name) => sum + gzipSync(readFileSync(join(dist, name)), { level: 9 }).length, 0);
console.log(`page weight: ${(gzipped / 1024).toFixed(1)} KB of JavaScript and CSS, gzipped (${code.length} files)`);
