/**
 * Every Skiff dashboard, and its JSON as the generator writes it: the
 * dashboard model Grafana imports, formatted with the repository's Prettier
 * settings so the committed files pass `prettier --check`. The generator
 * (`dashboards/generate.mjs`) runs the compiled copy of this module.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { apiserverDashboard } from './apiserver.js';
import { capacityDashboard } from './capacity.js';
import { kubeletDashboard } from './kubelet.js';
import { natsDashboard } from './nats.js';
import { podLifecycleDashboard } from './pod-lifecycle.js';
import { schedulerDashboard } from './scheduler.js';

/** Every dashboard, built. Its file is `dashboards/<uid>.json`. */
export function dashboards(): Dashboard[] {
  return [podLifecycleDashboard(), schedulerDashboard(), apiserverDashboard(), kubeletDashboard(), capacityDashboard(), natsDashboard()];
}

/** The file name of a dashboard: `<uid>.json`. */
export function dashboardFile(dashboard: Dashboard): string {
  if (dashboard.uid === undefined || dashboard.uid === '') throw new Error(`dashboard ${dashboard.title} has no uid`);
  return `${dashboard.uid}.json`;
}

/** The dashboard's JSON text, formatted as Prettier formats `path`. */
export async function renderDashboard(dashboard: Dashboard, path: string): Promise<string> {
  const options = (await resolveConfig(path)) ?? {};
  return format(JSON.stringify(dashboard), { ...options, filepath: path });
}

/** Writes every dashboard to `<dir>/<uid>.json`; resolves with the paths written. */
export async function writeDashboards(dir: string | URL): Promise<string[]> {
  const base = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const written: string[] = [];
  for (const dashboard of dashboards()) {
    const path = join(base, dashboardFile(dashboard));
    await writeFile(path, await renderDashboard(dashboard, path));
    written.push(path);
  }
  return written;
}
