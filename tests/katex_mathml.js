// KaTeX's own MathML for each formula on stdin (a JSON list of [tex, displayMode]): an
// independent translation to compare mlesym's MathML with. Prints a JSON list of strings.
const katex = require(process.env.KATEX_MODULE || "katex");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([tex, display]) =>
    katex.renderToString(tex, { displayMode: display, output: "mathml", throwOnError: true, strict: "ignore" }),
  );
  console.log(JSON.stringify(out));
});
