// Loads the exported AsyncAPI document with the official parser (`make contracts-check`).
// Prints every diagnostic of severity error and exits 1 when there is one.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DiagnosticSeverity, Parser, fromFile } from "@asyncapi/parser";

const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.resolve(process.argv[2] ?? path.join(here, "..", "schemas", "asyncapi.json"));

const { document, diagnostics } = await fromFile(new Parser(), file).parse();
const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
for (const d of errors) {
  const where = d.path.length ? d.path.join("/") : "(document)";
  console.error(`${path.relative(process.cwd(), file)}: ${where}: ${d.message} [${d.code}]`);
}
if (errors.length > 0 || document === undefined) {
  console.error(`AsyncAPI parser: ${errors.length} error(s) in ${file}`);
  process.exit(1);
}
console.log(`AsyncAPI parser: ${path.relative(process.cwd(), file)} OK (${document.messages().length} messages)`);
