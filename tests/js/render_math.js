// Reads a JSON list of {"tex": "...", "display": bool} on stdin and renders each with
// KaTeX in strict mode; prints a JSON list of {"ok": bool, "error": "..."} on stdout.
// Used by tests/test_markdown_render.py: a math block that KaTeX rejects fails the test.
"use strict";
const katex = require("katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const blocks = JSON.parse(input);
  const results = blocks.map(({ tex, display }) => {
    try {
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: String(error.message || error) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
