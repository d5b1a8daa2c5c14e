// Parse every formula given on stdin (a JSON list of [tex, displayMode]) with KaTeX.
// Prints a JSON list of errors; KaTeX throws on anything it would not render.
const katex = require(process.env.KATEX_MODULE || "katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const errors = [];
  for (const [tex, display] of JSON.parse(input)) {
    try {
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    } catch (error) {
      errors.push({ tex: tex.slice(0, 120), error: String(error.message).slice(0, 300) });
    }
  }
  console.log(JSON.stringify(errors));
});
