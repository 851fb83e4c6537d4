/**
 * Writes the chart's generated observability files (alert rules, Grafana dashboard) from src/observability/.
 * Usage: npx tsx scripts/render-observability.ts [--check]   (--check: exit 1 when a file is out of date)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { alertRulesYaml, dashboardJson, DashboardFile, RulesFile } from '../src/observability/render.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const [file, text] of [[RulesFile, alertRulesYaml()], [DashboardFile, dashboardJson()]] as const) {
  let current = '';
  try { current = readFileSync(file, 'utf8'); } catch { /* missing */ }
  if (current === text) continue;
  if (check) { console.error(`${file} is out of date: run npx tsx scripts/render-observability.ts`); stale += 1; continue; }
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
process.exit(stale ? 1 : 0);
