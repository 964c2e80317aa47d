// Rewrites the module-graph block of docs/architecture.md from the sources
// (`npm run architecture`); spec/architecture.spec.ts fails while it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { readModuleGraph, replaceDiagram, mermaidDiagram } = await import(
  join(root, 'dist', 'spec', 'support', 'module-graph.js')
);
const page = join(root, 'docs', 'architecture.md');
const updated = replaceDiagram(readFileSync(page, 'utf8'), mermaidDiagram(readModuleGraph(root)));
writeFileSync(page, updated);
console.log('docs/architecture.md: module graph updated');
