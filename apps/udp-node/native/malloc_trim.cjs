// Loads the malloc_trim addon built by build.mjs (npm install runs it). Never throws:
// `trim` is null where the addon is missing (`loadError` says why), and the node then
// keeps what the C heap keeps.
"use strict";
const path = require("node:path");

let trim = null;
let loadError = null;
try {
  trim = require(path.join(__dirname, "build", "malloc_trim.node")).trim;
} catch (e) {
  loadError = `malloc_trim addon not built (${e.code || e.message}); run: node ${
    path.join(__dirname, "build.mjs")
  }`;
}
module.exports = { trim, loadError };
