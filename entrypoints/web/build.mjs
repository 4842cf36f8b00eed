// Build the web page into dist/: our files from src/, and socket.io-client's ES module
// build from node_modules (installed by `npm ci` from package-lock.json). No bundler: the
// page loads plain modules, all from this server (no CDN).
import { cpSync, mkdirSync, renameSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const vendor = join(here, "node_modules", "socket.io-client", "dist", "socket.io.esm.min.js");

if (!existsSync(vendor)) {
  console.error("socket.io-client is not installed: run `npm ci` here first.");
  process.exit(1);
}
// Built beside dist/, then put in its place: a server reading dist/ meanwhile finds either
// the old build or the new one, whole.
const next = join(here, "dist.next");
rmSync(next, { recursive: true, force: true });
mkdirSync(join(next, "vendor"), { recursive: true });
cpSync(join(here, "src"), next, { recursive: true });
cpSync(vendor, join(next, "vendor", "socket.io.esm.min.js"));
rmSync(dist, { recursive: true, force: true });
renameSync(next, dist);
console.log(`built the web page into ${dist}`);
