// Parses Mermaid files with the mermaid package (the renderer GitHub uses), in a jsdom
// window. Usage: node mermaid-parse.mjs FILE... ; exit 1 when one does not parse.
// TestMermaidParses copies it next to bin/node_modules (make tools) and runs it.
import { JSDOM } from 'jsdom';
import fs from 'fs';
const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
try { Object.defineProperty(globalThis, 'navigator', {value: dom.window.navigator, configurable: true}); } catch (e) {}
globalThis.DOMParser = dom.window.DOMParser;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let bad = 0;
for (const f of process.argv.slice(2)) {
  try { const r = await mermaid.parse(fs.readFileSync(f, 'utf8')); console.log(f, 'ok', r.diagramType); }
  catch (e) { bad++; console.log(f, 'ERROR', e.message); }
}
process.exit(bad ? 1 : 0);
