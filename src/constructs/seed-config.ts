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
import { LLM_PROVIDER, hermesConfig } from '../hermes/config-yaml';
import { soulMarkdown } from '../hermes/soul';
import { RESTART_INTERVAL_MINUTES, SCRIPT_JOBS, WATCHDOGS, type ScriptJob, type Watchdog } from '../hermes/watchdogs';
import { parseSchedule } from '../hermes/schedule';
import { ConfigError } from '../site/load';
import { protectedNamespaces } from '../site/protected-namespaces';
import { siteTimeZone, type Site } from '../site/schema';
import { Names, appLabels, syncWave, SyncWave } from './metadata';

/** Source folders of the files shipped as they are. Resolved from the project root (synth runs there). */
export const PRECHECKS_DIR = join('src', 'hermes', 'prechecks');
export const SEED_DIR = join('src', 'hermes', 'seed');

/** settings.json for the pre-check scripts, from the site configuration. */
export function precheckSettings(site: Site, timezone = siteTimeZone(site)): Record<string, unknown> {
  return {
    diskPercent: site.watchdogs.diskPercent,
    cpuPercent: site.watchdogs.cpuPercent,
    memoryPercent: site.watchdogs.memoryPercent,
    sustainedTicks: site.watchdogs.sustainedTicks,
    certificateDays: site.watchdogs.certificateDays,
    reminderHours: site.watchdogs.reminderHours,
    // The same set the admission guardrail enforces, so the remediation verdict never promises a refused restart.
    protectedNamespaces: protectedNamespaces(site),
    argocdNamespace: site.argocd.namespace,
    restartIntervalMinutes: RESTART_INTERVAL_MINUTES,
    dfExec: site.permissions.podExec !== false,
    // Maintenance windows are read in the site's IANA time zone, like the watchdog schedules.
    timezone,
    maintenanceWindows: site.maintenanceWindows.map((w) => ({ ...w, scope: { ...w.scope } })),
  };
}

/** Fails synth on a watchdog Hermes would reject, instead of in the seed Job's log. */
export function validateWatchdogs(watchdogs: readonly (Watchdog | ScriptJob)[]): void {
  const problems: string[] = [];
  watchdogs.forEach((w, i) => {
    try {
      if (parseSchedule(w.schedule).kind === 'once') problems.push(`WATCHDOGS[${i}] (${w.name}).schedule: "${w.schedule}" runs once; a watchdog needs a recurring schedule`);
    } catch (error) {
      problems.push(`WATCHDOGS[${i}] (${w.name}).schedule: ${(error as Error).message}; accepted forms: "every 15m", "every 1h", "0 9 * * *", "every day at 09:00"`);
    }
    if (!/^[a-z0-9][a-z0-9-]*$/.test(w.name)) problems.push(`WATCHDOGS[${i}].name: expected lower-case words joined by "-"`);
    if (!/^[a-z0-9_]+\.(py|sh)$/.test(w.script)) problems.push(`WATCHDOGS[${i}] (${w.name}).script: expected a .py or .sh file name in src/hermes/prechecks`);
  });
  const names = watchdogs.map((w) => w.name);
  names.forEach((n, i) => names.indexOf(n) !== i && problems.push(`WATCHDOGS[${i}].name: "${n}" is used twice; Hermes would not tell the jobs apart`));
  if (problems.length > 0) throw new ConfigError('src/hermes/watchdogs.ts', problems);
}

/**
 * The seeder's desired state: one entry per watchdog and script-only job, exactly the flags `hermes cron create`
 * receives. The agent watchdogs carry the model (and so it is part of the seeder's digest): a Hermes job keeps the
 * model current at its creation ahead of `model.default`, so only a pinned `--model` follows a change of
 * `llm.model`. Script-only jobs (`noAgent`) never call a model and carry none.
 */
export function seedWatchdogs(
  site: Pick<Site, 'llm'>,
  watchdogs: readonly Watchdog[] = WATCHDOGS,
  scriptJobs: readonly ScriptJob[] = SCRIPT_JOBS,
): Array<Record<string, string | boolean>> {
  validateWatchdogs([...watchdogs, ...scriptJobs]);
  const entry = (w: Watchdog | ScriptJob) => ({
    name: w.name,
    schedule: w.schedule,
    prompt: w.prompt,
    deliver: 'discord',
    script: `platform-engineer/${w.script}`,
  });
  return [
    ...watchdogs.map((w) => ({ ...entry(w), model: site.llm.model, provider: LLM_PROVIDER })),
    ...scriptJobs.map((j) => ({ ...entry(j), noAgent: true })),
  ];
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
    'watchdogs.json': `${JSON.stringify(seedWatchdogs(site), null, 2)}\n`,
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
