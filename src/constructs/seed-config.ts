/**
 * The seed ConfigMap: everything the init container puts onto the volume and the seeder reads. Built from
 * objects and real files (no string-built YAML); its content hash rolls the pod when it changes.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import * as k8s from '../k8s';
import { hermesConfig } from '../hermes/config-yaml';
import { soulMarkdown } from '../hermes/soul';
import { WATCHDOGS } from '../hermes/watchdogs';
import type { Site } from '../site/schema';
import { Names, appLabels, syncWave, SyncWave } from './metadata';

/** Source folders of the files shipped as they are. Resolved from the project root (synth runs there). */
export const PRECHECKS_DIR = join('src', 'hermes', 'prechecks');
export const SEED_DIR = join('src', 'hermes', 'seed');

/** How long the restart-loop pre-check waits before allowing another restart of the same workload. */
export const RESTART_INTERVAL_MINUTES = 60;

/** settings.json for the pre-check scripts, from the site configuration. */
export function precheckSettings(site: Site): Record<string, unknown> {
  return {
    diskPercent: site.watchdogs.diskPercent,
    cpuPercent: site.watchdogs.cpuPercent,
    memoryPercent: site.watchdogs.memoryPercent,
    sustainedTicks: site.watchdogs.sustainedTicks,
    certificateDays: site.watchdogs.certificateDays,
    reminderHours: site.watchdogs.reminderHours,
    protectedNamespaces: [...site.watchdogs.protectedNamespaces],
    argocdNamespace: site.argocd.namespace,
    restartIntervalMinutes: RESTART_INTERVAL_MINUTES,
    dfExec: site.permissions.podExec,
  };
}

/** The seeder's desired state: one entry per watchdog, exactly the flags `hermes cron create` receives. */
export function seedWatchdogs(): Array<Record<string, string>> {
  return WATCHDOGS.map((w) => ({
    name: w.name,
    schedule: w.schedule,
    prompt: w.prompt,
    deliver: 'discord',
    script: `platform-engineer/${w.script}`,
  }));
}

export function seedConfigData(site: Site, hermesVersion: string, root = '.'): Record<string, string> {
  const read = (dir: string, file: string) => readFileSync(join(root, dir, file), 'utf8');
  const data: Record<string, string> = {
    'config.yaml': stringify(hermesConfig(site, hermesVersion), { lineWidth: 0 }),
    'SOUL.md': soulMarkdown(site),
    dotenv: read(SEED_DIR, 'dotenv'),
    'install-seed.sh': read(SEED_DIR, 'install-seed.sh'),
    'cron-seed-job.sh': read(SEED_DIR, 'cron-seed-job.sh'),
    'seed_cron.py': read(SEED_DIR, 'seed_cron.py'),
    'watchdogs.json': `${JSON.stringify(seedWatchdogs(), null, 2)}\n`,
    'precheck-settings.json': `${JSON.stringify(precheckSettings(site), null, 2)}\n`,
  };
  for (const file of readdirSync(join(root, PRECHECKS_DIR)).filter((f) => f.endsWith('.py')).sort()) {
    data[`precheck--${file}`] = read(PRECHECKS_DIR, file);
  }
  return data;
}

export class SeedConfig extends Construct {
  /** sha256 of the data, put on the pod template so that a new seed restarts the pod (scripts reinstall). */
  readonly contentHash: string;

  constructor(scope: Construct, id: string, site: Site, hermesVersion: string) {
    super(scope, id);
    const data = seedConfigData(site, hermesVersion);
    this.contentHash = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    new k8s.KubeConfigMap(this, 'configmap', {
      metadata: { name: Names.seedConfigMap, labels: appLabels('hermes', 'seed'), annotations: syncWave(SyncWave.config) },
      data,
    });
  }
}
