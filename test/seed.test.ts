// The seed runs as real programs here: install-seed.sh (init container) against a temporary volume, and
// seed_cron.py (inside the Hermes container) against a fake `hermes` CLI that keeps jobs.json like Hermes does.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedConfigData, seedWatchdogs, validateWatchdogs } from '../src/constructs/seed-config';
import { WATCHDOGS } from '../src/hermes/watchdogs';
import { ConfigError } from '../src/site/load';
import { tempDir } from './cli';
import { inputs } from './helpers';

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
import json, os, sys, secrets
home = os.environ["HERMES_HOME"]
path = os.path.join(home, "cron", "jobs.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
store = json.load(open(path)) if os.path.exists(path) else {"jobs": []}
args = sys.argv[1:]
with open(os.path.join(home, "calls.log"), "a") as log:
    log.write(json.dumps(args) + "\\n")
assert args[0] == "cron"
def flags(rest):
    out = {}
    while rest:
        k = rest.pop(0)
        out[k.lstrip("-").replace("-", "_")] = rest.pop(0)
    return out
if args[1] == "create":
    job = {"id": secrets.token_hex(6), "schedule_display": args[2], "prompt": args[3], "enabled": True, **flags(args[4:])}
    store["jobs"].append(job)
elif args[1] == "edit":
    job = next(j for j in store["jobs"] if j["id"] == args[2])
    f = flags(args[3:])
    job.update(f)
    job["schedule_display"] = f["schedule"]
else:
    sys.exit(2)
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
    expect(s.jobs().map((j) => j.name)).toEqual(WATCHDOGS.map((w) => w.name));
    for (const w of WATCHDOGS) {
      const job = s.jobs().find((j) => j.name === w.name);
      expect(job).toMatchObject({ schedule_display: w.schedule, prompt: w.prompt, deliver: 'discord', script: `platform-engineer/${w.script}` });
    }
  });

  it('is idempotent: a second run leaves exactly one of each and calls hermes not at all', () => {
    const s = seeder();
    s.run();
    const before = s.calls().length;
    const out = s.run();
    expect(s.calls().length).toBe(before);
    expect(s.jobs()).toHaveLength(WATCHDOGS.length);
    expect(out.split('\n').filter((l) => l.startsWith('unchanged'))).toHaveLength(WATCHDOGS.length);
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
    expect(s.jobs()).toHaveLength(WATCHDOGS.length);
  });

  it('never touches a job the user made by hand, even with a watchdog name', () => {
    const s = seeder();
    mkdirSync(join(s.home, 'cron'), { recursive: true });
    const mine = { id: 'aaaaaaaaaaaa', name: 'Cert-Expiry', prompt: 'my own', schedule_display: 'every 2h' };
    writeFileSync(join(s.home, 'cron/jobs.json'), JSON.stringify({ jobs: [mine] }));
    expect(s.run()).toMatch(/skipped {3}cert-expiry: .*aaaaaaaaaaaa/);
    expect(s.jobs().filter((j) => j.name.toLowerCase() === 'cert-expiry')).toEqual([mine]);
    expect(s.calls().some((c) => c.includes('aaaaaaaaaaaa'))).toBe(false);
    expect(s.jobs()).toHaveLength(WATCHDOGS.length);
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
