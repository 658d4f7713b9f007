// Loads the batched UDP addon built by build.mjs (npm install runs it). Never throws:
// `loadError` says why the addon is missing, and the node falls back to node:dgram.
"use strict";
const path = require("node:path");

let addon = null;
let loadError = null;
if (process.platform !== "linux") {
  loadError = "batched UDP needs Linux (recvmmsg/sendmmsg)";
} else {
  try {
    addon = require(path.join(__dirname, "build", "batched_udp.node"));
  } catch (e) {
    loadError = `batched UDP addon not built (${e.code || e.message}); run: node ${
      path.join(__dirname, "build.mjs")
    }`;
  }
}
module.exports = { addon, loadError };
