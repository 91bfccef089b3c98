// The seed runs as real programs here: install-seed.sh (init container) against a temporary volume, and
// seed_cron.py (inside the Hermes container) against a fake `hermes` CLI that keeps jobs.json like Hermes does.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { precheckSettings, seedConfigData, seedWatchdogs, validateWatchdogs } from '../src/constructs/seed-config';
import { SCRIPT_JOBS, WATCHDOGS } from '../src/hermes/watchdogs';

/** Every job the seeder manages: the agent watchdogs and the script-only jobs. */
const JOBS = [...WATCHDOGS, ...SCRIPT_JOBS];
import { ConfigError, parseSite } from '../src/site/load';
import { tempDir } from './cli';
import { DISCORD, inputs } from './helpers';

const data = seedConfigData(inputs().site, 'v2026.9.14');

/** A ConfigMap mount: one file per key, as the kubelet projects it. */
function mountSeed(files: Record<string, string> = data): string {
  const dir = tempDir('pe-seed-');
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, k), v);
  return dir;
}

function installSeed(seedDir: string, dataDir: string) {
  const script = readFileSync(join(seedDir, 'install-seed.sh'), 'utf8').replace('seed=/opt/seed', `seed=${seedDir}`).replace('data=/opt/data', `data=${dataDir}`);
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('install-seed.sh (init container)', () => {
  it('seeds config.yaml, SOUL.md and .env on an empty volume, .env private', () => {
    const vol = tempDir('pe-vol-');
    installSeed(mountSeed(), vol);
    expect(readFileSync(join(vol, 'config.yaml'), 'utf8')).toBe(data['config.yaml']);
    expect(readFileSync(join(vol, 'SOUL.md'), 'utf8')).toBe(data['SOUL.md']);
    expect(readFileSync(join(vol, '.env'), 'utf8')).toBe(data.dotenv);
    expect(spawnSync('stat', ['-c', '%a', join(vol, '.env')], { encoding: 'utf8' }).stdout.trim()).toBe('600');
  });

  it('never overwrites live state: edited config.yaml, SOUL.md and .env survive a restart', () => {
    const vol = tempDir('pe-vol-');
    for (const f of ['config.yaml', 'SOUL.md', '.env']) writeFileSync(join(vol, f), `edited ${f}\n`);
    const log = installSeed(mountSeed(), vol);
    for (const f of ['config.yaml', 'SOUL.md', '.env']) expect(readFileSync(join(vol, f), 'utf8')).toBe(`edited ${f}\n`);
    expect(log).toContain('keep');
  });

  it('replaces the pre-check scripts on every start and removes ones no longer shipped', () => {
    const vol = tempDir('pe-vol-');
    const scripts = join(vol, 'scripts/platform-engineer');
    mkdirSync(scripts, { recursive: true });
    writeFileSync(join(scripts, 'retired_check.py'), 'old');
    writeFileSync(join(scripts, 'cluster_health.py'), 'old version');
    installSeed(mountSeed(), vol);
    const shipped = Object.keys(data).filter((k) => k.startsWith('precheck--')).map((k) => k.slice('precheck--'.length));
    expect(readdirSync(scripts).sort()).toEqual([...shipped, 'settings.json'].sort());
    for (const f of shipped) expect(readFileSync(join(scripts, f), 'utf8')).toBe(data[`precheck--${f}`]);
    expect(JSON.parse(readFileSync(join(scripts, 'settings.json'), 'utf8'))).toMatchObject({ diskPercent: 85, certificateDays: 21 });
    expect(existsSync(join(vol, 'platform-engineer/state'))).toBe(true);
  });
});

/** A stand-in for the `hermes cron` CLI: create appends a job with a fresh id, edit rewrites one. */
const FAKE_HERMES = `#!/usr/bin/env python3
# The flags of hermes_cli's cron parser (create/edit/remove); an unknown flag fails like argparse would.
import argparse, json, os, sys, secrets
home = os.environ["HERMES_HOME"]
path = os.path.join(home, "cron", "jobs.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
store = json.load(open(path)) if os.path.exists(path) else {"jobs": []}
with open(os.path.join(home, "calls.log"), "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
p = argparse.ArgumentParser(prog="hermes")
sub = p.add_subparsers(dest="cmd", required=True)
cron = sub.add_parser("cron").add_subparsers(dest="action", required=True)
create = cron.add_parser("create", aliases=["add"])
create.add_argument("schedule"); create.add_argument("prompt", nargs="?")
for f in ("--name", "--deliver", "--repeat", "--script", "--workdir"): create.add_argument(f)
create.add_argument("--skill", action="append"); create.add_argument("--no-agent", action="store_true")
edit = cron.add_parser("edit")
edit.add_argument("job_id")
edit.add_argument("--no-agent", dest="no_agent", action="store_const", const=True, default=None)
edit.add_argument("--agent", dest="no_agent", action="store_const", const=False)
for f in ("--schedule", "--prompt", "--name", "--deliver", "--repeat", "--script", "--workdir"): edit.add_argument(f)
remove = cron.add_parser("remove", aliases=["rm", "delete"])
remove.add_argument("job_id")
a = p.parse_args()
if a.action in ("create", "add"):
    store["jobs"].append({"id": secrets.token_hex(6), "name": a.name, "schedule_display": a.schedule, "prompt": a.prompt,
                          "deliver": a.deliver, "script": a.script, "no_agent": a.no_agent, "enabled": True})
elif a.action == "edit":
    job = next(j for j in store["jobs"] if j["id"] == a.job_id)
    for k in ("name", "prompt", "deliver", "script"):
        if getattr(a, k) is not None: job[k] = getattr(a, k)
    if a.schedule is not None: job["schedule_display"] = a.schedule
    if a.no_agent is not None: job["no_agent"] = a.no_agent
else:
    store["jobs"] = [j for j in store["jobs"] if j["id"] != a.job_id]
json.dump(store, open(path, "w"))
`;

function seeder(desired = seedWatchdogs()) {
  const home = tempDir('pe-home-');
  const bin = join(home, 'hermes-fake');
  writeFileSync(bin, FAKE_HERMES);
  chmodSync(bin, 0o755);
  const desiredFile = join(home, 'watchdogs.json');
  const setDesired = (d: unknown) => writeFileSync(desiredFile, JSON.stringify(d));
  setDesired(desired);
  const script = join(home, 'seed_cron.py');
  writeFileSync(script, data['seed_cron.py']);
  const run = () => {
    const r = spawnSync('python3', [script], { env: { ...process.env, HERMES_HOME: home, HERMES_BIN: bin, SEED_WATCHDOGS: desiredFile }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const jobs = (): any[] => JSON.parse(readFileSync(join(home, 'cron/jobs.json'), 'utf8')).jobs;
  const calls = (): string[][] => (existsSync(join(home, 'calls.log')) ? readFileSync(join(home, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
  return { home, run, jobs, calls, setDesired };
}

describe('seed_cron.py (the cron seeder)', () => {
  it('creates every watchdog with its schedule, prompt, --deliver discord and --script', () => {
    const s = seeder();
    s.run();
    expect(s.jobs().map((j) => j.name)).toEqual(JOBS.map((w) => w.name));
    for (const w of WATCHDOGS) {
      const job = s.jobs().find((j) => j.name === w.name);
      expect(job).toMatchObject({ schedule_display: w.schedule, prompt: w.prompt, deliver: 'discord', script: `platform-engineer/${w.script}`, no_agent: false });
    }
  });

  it('creates the script-only jobs with --no-agent (their output is delivered as is, no model runs)', () => {
    const s = seeder();
    s.run();
    expect(SCRIPT_JOBS.map((j) => j.name)).toEqual(['incident-notices']);
    const job = s.jobs().find((j) => j.name === 'incident-notices');
    expect(job).toMatchObject({ schedule_display: 'every 10m', deliver: 'discord', script: 'platform-engineer/notices.py', no_agent: true });
    const create = s.calls().find((c) => c.includes('incident-notices')) as string[];
    expect(create).toContain('--no-agent');
    // A changed script-only job is edited in place and stays script-only.
    s.setDesired(seedWatchdogs().map((w) => (w.name === 'incident-notices' ? { ...w, schedule: 'every 5m' } : w)));
    expect(s.run()).toContain('updated   incident-notices');
    expect(s.calls().at(-1)).toEqual(expect.arrayContaining(['edit', '--no-agent']));
    expect(s.jobs().find((j) => j.name === 'incident-notices')).toMatchObject({ schedule_display: 'every 5m', no_agent: true });
  });

  it('is idempotent: a second run leaves exactly one of each and calls hermes not at all', () => {
    const s = seeder();
    s.run();
    const before = s.calls().length;
    const out = s.run();
    expect(s.calls().length).toBe(before);
    expect(s.jobs()).toHaveLength(JOBS.length);
    expect(out.split('\n').filter((l) => l.startsWith('unchanged'))).toHaveLength(JOBS.length);
  });

  it('updates a managed job whose definition changed in git, in place (same id, state kept)', () => {
    const s = seeder();
    s.run();
    const id = s.jobs().find((j) => j.name === 'pvc-pressure').id;
    const changed = seedWatchdogs().map((w) => (w.name === 'pvc-pressure' ? { ...w, schedule: 'every 20m' } : w));
    s.setDesired(changed);
    expect(s.run()).toContain('updated   pvc-pressure');
    const job = s.jobs().find((j) => j.name === 'pvc-pressure');
    expect(job.id).toBe(id);
    expect(job.schedule_display).toBe('every 20m');
    expect(s.jobs()).toHaveLength(JOBS.length);
  });

  it('never touches a job the user made by hand, even with a watchdog name', () => {
    const s = seeder();
    mkdirSync(join(s.home, 'cron'), { recursive: true });
    const mine = { id: 'aaaaaaaaaaaa', name: 'Cert-Expiry', prompt: 'my own', schedule_display: 'every 2h' };
    writeFileSync(join(s.home, 'cron/jobs.json'), JSON.stringify({ jobs: [mine] }));
    expect(s.run()).toMatch(/skipped {3}cert-expiry: .*aaaaaaaaaaaa/);
    expect(s.jobs().filter((j) => j.name.toLowerCase() === 'cert-expiry')).toEqual([mine]);
    expect(s.calls().some((c) => c.includes('aaaaaaaaaaaa'))).toBe(false);
    expect(s.jobs()).toHaveLength(JOBS.length);
  });

  it('removes a managed job whose watchdog was retired from git, and leaves hand-made jobs alone', () => {
    const s = seeder();
    mkdirSync(join(s.home, 'cron'), { recursive: true });
    writeFileSync(join(s.home, 'cron/jobs.json'), JSON.stringify({ jobs: [{ id: 'bbbbbbbbbbbb', name: 'my-own', prompt: 'x' }] }));
    s.run();
    s.setDesired(seedWatchdogs().filter((w) => w.name !== 'pvc-pressure'));
    expect(s.run()).toContain('removed   pvc-pressure: no longer defined in git');
    expect(s.jobs().map((j) => j.name)).not.toContain('pvc-pressure');
    expect(s.jobs().map((j) => j.name)).toContain('my-own');
    expect(s.jobs()).toHaveLength(JOBS.length);
    expect(s.run()).not.toContain('removed');
  });

  it('uses a fake hermes that rejects unknown flags, so a typo in the seeder fails these tests', () => {
    const s = seeder(seedWatchdogs().map((w) => ({ ...w, deliver: 'discord' })));
    s.run();
    const bin = join(s.home, 'hermes-fake');
    const r = spawnSync(bin, ['cron', 'create', 'every 5m', 'p', '--delivery', 'discord'], { env: { ...process.env, HERMES_HOME: s.home }, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });

  it('recreates a managed job the user deleted (converges on git)', () => {
    const s = seeder();
    s.run();
    const store = JSON.parse(readFileSync(join(s.home, 'cron/jobs.json'), 'utf8'));
    store.jobs = store.jobs.filter((j: any) => j.name !== 'cert-expiry');
    writeFileSync(join(s.home, 'cron/jobs.json'), JSON.stringify(store));
    expect(s.run()).toContain('created   cert-expiry');
    expect(s.jobs().filter((j) => j.name === 'cert-expiry')).toHaveLength(1);
  });
});

describe('watchdog validation at synth time', () => {
  it('rejects a schedule Hermes would reject, naming the watchdog and the accepted forms', () => {
    const bad = [{ ...WATCHDOGS[4], schedule: 'every 1d at 09:00' }];
    expect(() => validateWatchdogs(bad)).toThrow(ConfigError);
    expect(() => validateWatchdogs(bad)).toThrow(/WATCHDOGS\[0\] \(cert-expiry\)\.schedule: Invalid duration.*accepted forms/s);
  });
  it('rejects one-shot schedules and duplicate names', () => {
    expect(() => validateWatchdogs([{ ...WATCHDOGS[0], schedule: 'in 30m' }])).toThrow(/runs once/);
    expect(() => validateWatchdogs([WATCHDOGS[0], WATCHDOGS[0]])).toThrow(/used twice/);
  });
});

describe('maintenance windows reach the pre-checks', () => {
  it('site.yaml maintenanceWindows and the time zone are written into settings.json as validated', () => {
    const site = parseSite({ discord: DISCORD, maintenanceWindows: [{ name: 'pi-reboots', schedule: '0 3 * * 0', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } }] });
    const settings = JSON.parse(seedConfigData(site, '0.21.3')['precheck-settings.json']);
    expect(settings.timezone).toBe('UTC');
    expect(settings.maintenanceWindows).toEqual([{ name: 'pi-reboots', schedule: '0 3 * * 0', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } }]);
    expect(precheckSettings(site, 'Europe/Madrid').timezone).toBe('Europe/Madrid');
  });
});
