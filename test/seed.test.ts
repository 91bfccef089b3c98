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

const site = inputs().site;
const data = seedConfigData(site, 'v2026.9.14');

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
for f in ("--name", "--deliver", "--repeat", "--script", "--workdir", "--model"): create.add_argument(f)
create.add_argument("--provider", dest="model_provider")
create.add_argument("--skill", action="append"); create.add_argument("--no-agent", action="store_true")
edit = cron.add_parser("edit")
edit.add_argument("job_id")
edit.add_argument("--no-agent", dest="no_agent", action="store_const", const=True, default=None)
edit.add_argument("--agent", dest="no_agent", action="store_const", const=False)
for f in ("--schedule", "--prompt", "--name", "--deliver", "--repeat", "--script", "--workdir", "--model"): edit.add_argument(f)
edit.add_argument("--provider", dest="model_provider")
remove = cron.add_parser("remove", aliases=["rm", "delete"])
remove.add_argument("job_id")
a = p.parse_args()
# Like hermes_cli: a refused create/edit prints its reason on STDOUT and exits 1.
if os.environ.get("FAKE_REFUSE") == a.action:
    print(f"Failed to {a.action} job: Cron prompt blocked by the injection scanner")
    sys.exit(1)
if a.action in ("create", "add"):
    store["jobs"].append({"id": secrets.token_hex(6), "name": a.name, "schedule_display": a.schedule, "prompt": a.prompt,
                          "deliver": a.deliver, "script": a.script, "model": a.model, "provider": a.model_provider, "no_agent": a.no_agent, "enabled": True})
elif a.action == "edit":
    job = next(j for j in store["jobs"] if j["id"] == a.job_id)
    if a.model_provider is not None: job["provider"] = a.model_provider
    for k in ("name", "prompt", "deliver", "script", "model"):
        if getattr(a, k) is not None: job[k] = getattr(a, k)
    if a.schedule is not None: job["schedule_display"] = a.schedule
    if a.no_agent is not None: job["no_agent"] = a.no_agent
else:
    store["jobs"] = [j for j in store["jobs"] if j["id"] != a.job_id]
json.dump(store, open(path, "w"))
`;

function seeder(desired = seedWatchdogs(site)) {
  const home = tempDir('pe-home-');
  const bin = join(home, 'hermes-fake');
  writeFileSync(bin, FAKE_HERMES);
  chmodSync(bin, 0o755);
  const desiredFile = join(home, 'watchdogs.json');
  const setDesired = (d: unknown) => writeFileSync(desiredFile, JSON.stringify(d));
  setDesired(desired);
  const script = join(home, 'seed_cron.py');
  writeFileSync(script, data['seed_cron.py']);
  const exec = (env: Record<string, string> = {}) =>
    spawnSync('python3', [script], { env: { ...process.env, HERMES_HOME: home, HERMES_BIN: bin, SEED_WATCHDOGS: desiredFile, ...env }, encoding: 'utf8' });
  const run = (env: Record<string, string> = {}) => {
    const r = exec(env);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const jobs = (): any[] => JSON.parse(readFileSync(join(home, 'cron/jobs.json'), 'utf8')).jobs;
  const calls = (): string[][] => (existsSync(join(home, 'calls.log')) ? readFileSync(join(home, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);
  return { home, run, exec, jobs, calls, setDesired };
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
    s.setDesired(seedWatchdogs(site).map((w) => (w.name === 'incident-notices' ? { ...w, schedule: 'every 5m' } : w)));
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
    const changed = seedWatchdogs(site).map((w) => (w.name === 'pvc-pressure' ? { ...w, schedule: 'every 20m' } : w));
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
    s.setDesired(seedWatchdogs(site).filter((w) => w.name !== 'pvc-pressure'));
    expect(s.run()).toContain('removed   pvc-pressure: no longer defined in git');
    expect(s.jobs().map((j) => j.name)).not.toContain('pvc-pressure');
    expect(s.jobs().map((j) => j.name)).toContain('my-own');
    expect(s.jobs()).toHaveLength(JOBS.length);
    expect(s.run()).not.toContain('removed');
  });

  it('uses a fake hermes that rejects unknown flags, so a typo in the seeder fails these tests', () => {
    const s = seeder(seedWatchdogs(site).map((w) => ({ ...w, deliver: 'discord' })));
    s.run();
    const bin = join(s.home, 'hermes-fake');
    const r = spawnSync(bin, ['cron', 'create', 'every 5m', 'p', '--delivery', 'discord'], { env: { ...process.env, HERMES_HOME: s.home }, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });

  it('pins every watchdog to the site model and provider (a Hermes job otherwise keeps its creation-time model)', () => {
    const s = seeder();
    s.run();
    const agentJobs = s.jobs().filter((j) => !j.no_agent);
    expect(agentJobs.map((j) => j.name).sort()).toEqual(WATCHDOGS.map((w) => w.name).sort());
    for (const job of agentJobs) expect(job, job.name).toMatchObject({ model: 'qwen-3.6:27b', provider: 'openai-api' });
    // Script-only jobs never call a model, so none is pinned on them.
    for (const job of s.jobs().filter((j) => j.no_agent)) expect(job.model ?? null, job.name).toBeNull();
  });

  it('moves all seven watchdogs to a new llm.model in place when site.yaml changes it', () => {
    const s = seeder();
    s.run();
    const ids = s.jobs().map((j) => j.id);
    s.setDesired(seedWatchdogs(inputs({ llm: { model: 'llama-4:70b' } }).site));
    const out = s.run();
    expect(out.split('\n').filter((l) => l.startsWith('updated'))).toHaveLength(WATCHDOGS.length);
    expect(s.jobs().map((j) => j.id)).toEqual(ids);
    for (const job of s.jobs().filter((j) => !j.no_agent)) expect(job, job.name).toMatchObject({ model: 'llama-4:70b', provider: 'openai-api' });
    expect(s.run()).not.toContain('updated');
  });

  it.each(['create', 'edit'])('reports why Hermes refused a %s (the CLI says it on stdout) and fails', (action) => {
    const s = seeder();
    if (action === 'edit') {
      s.run();
      s.setDesired(seedWatchdogs(site).map((w) => (w.name === 'cert-expiry' ? { ...w, schedule: '0 10 * * *' } : w)));
    }
    const r = s.exec({ FAKE_REFUSE: action });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`hermes cron ${action} failed (exit 1)`);
    expect(r.stderr).toContain(`Failed to ${action} job: Cron prompt blocked by the injection scanner`);
    // The log keeps what was done before the refusal.
    if (action === 'edit') expect(r.stdout).toContain('unchanged cluster-health-check');
  });

  it('says which time zone Hermes will run the schedules in, and warns when the image cannot load it', () => {
    const s = seeder();
    expect(s.run({ HERMES_TIMEZONE: 'Europe/Berlin' })).toContain('time zone: Europe/Berlin (cron expressions run in it)');
    expect(s.run({ HERMES_TIMEZONE: 'Mars/Olympus_Mons' })).toMatch(/WARNING time zone Mars\/Olympus_Mons: this image cannot load it .*falls back to UTC/);
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

/**
 * A stand-in for kubectl as the seed Job calls it: the Deployment's rollout fields, the pods (name, deletion
 * timestamp, start of the hermes container), exec of curl /health and of the seeder. `rollout status` behaves as
 * with an unready pod: it times out.
 */
const FAKE_KUBECTL = `#!/usr/bin/env python3
import json, os, sys
scenario = json.load(open(os.environ["FAKE_SCENARIO"]))
args = sys.argv[1:]
with open(os.environ["FAKE_CALLS"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if "rollout" in args and "status" in args:
    print('Waiting for deployment "hermes" rollout to finish: 0 of 1 updated replicas are available...')
    print("error: timed out waiting for the condition", file=sys.stderr)
    sys.exit(1)
if "get" in args and any(a.startswith("deployment/") for a in args):
    print(scenario["deployment"], end="")
    sys.exit(0)
if "get" in args and "pods" in args:
    print(scenario["pods"], end="")
    sys.exit(0)
if "exec" in args:
    pod = args[args.index("exec") + 1]
    command = args[args.index("--") + 1:]
    if command[0] == "curl":
        if scenario["healthy"] and pod in scenario.get("healthyPods", [pod]):
            print('{"status":"ok"}')
            sys.exit(0)
        print("curl: (7) Failed to connect to 127.0.0.1 port 8642", file=sys.stderr)
        sys.exit(7)
    if command[:2] == ["python3", "/opt/seed/seed_cron.py"]:
        print(f"created   cluster-health-check (in {pod})")
        sys.exit(0)
print("unexpected kubectl call: " + " ".join(args), file=sys.stderr)
sys.exit(2)
`;

function seedJob(scenario: { deployment: string; pods: string; healthy: boolean }, env: Record<string, string> = {}) {
  const dir = tempDir('pe-seedjob-');
  writeFileSync(join(dir, 'kubectl'), FAKE_KUBECTL);
  chmodSync(join(dir, 'kubectl'), 0o755);
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
  writeFileSync(join(dir, 'cron-seed-job.sh'), data['cron-seed-job.sh']);
  const r = spawnSync('bash', [join(dir, 'cron-seed-job.sh')], {
    encoding: 'utf8',
    env: {
      PATH: `${dir}:${process.env.PATH}`,
      FAKE_SCENARIO: join(dir, 'scenario.json'),
      FAKE_CALLS: join(dir, 'calls.log'),
      NAMESPACE: 'platform-engineer',
      DEPLOYMENT: 'hermes',
      POD_SELECTOR: 'app.kubernetes.io/name=hermes,app.kubernetes.io/part-of=platform-engineer',
      CONTAINER: 'hermes',
      GATEWAY_PORT: '8642',
      SEED_POLL_SECONDS: '0.1',
      ...env,
    },
  });
  const calls: string[][] = existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
  return { ...r, calls };
}

const ROLLED_OUT = '3/3/1/1/1'; // generation/observedGeneration/spec.replicas/updatedReplicas/replicas
const RUNNING = (name: string, deleting = '') => `${name}|${deleting}|2026-11-30T20:00:00Z\n`;

describe('cron-seed-job.sh (the seed Job: waits for the gateway, not for readiness)', () => {
  it('seeds when the gateway is up although the pod is unready (a wrong dashboard credential), and says what it waited for', () => {
    const r = seedJob({ deployment: ROLLED_OUT, pods: RUNNING('hermes-7d9f-x2'), healthy: true });
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.some((c) => c.includes('rollout'))).toBe(false);
    expect(r.stdout).toContain('to roll out its current generation (not for readiness)');
    expect(r.stdout).toContain('waiting for container hermes to be running');
    expect(r.stdout).toContain('waiting for the gateway in pod/hermes-7d9f-x2: GET http://127.0.0.1:8642/health');
    expect(r.stdout).toContain('gateway healthy in pod/hermes-7d9f-x2; seeding cron jobs');
    expect(r.stdout).toContain('created   cluster-health-check (in hermes-7d9f-x2)');
  });

  it('never picks a terminating pod, nor one whose hermes container is not running', () => {
    const pods = RUNNING('hermes-old', '2026-11-30T20:01:00Z') + 'hermes-starting||\n' + RUNNING('hermes-new');
    const r = seedJob({ deployment: ROLLED_OUT, pods, healthy: true });
    expect(r.status, r.stderr).toBe(0);
    const execs = r.calls.filter((c) => c.includes('exec'));
    expect(execs.length).toBeGreaterThan(0);
    for (const c of execs) expect(c[c.indexOf('exec') + 1]).toBe('hermes-new');
  });

  it.each([
    ['the rollout never completes', { deployment: '4/3/1/0/1', pods: RUNNING('hermes-old'), healthy: true }, 'deployment/hermes to roll out'],
    ['the container never runs', { deployment: ROLLED_OUT, pods: 'hermes-new||\n', healthy: true }, 'container hermes to run'],
    ['the gateway never answers', { deployment: ROLLED_OUT, pods: RUNNING('hermes-new'), healthy: false }, "the gateway's /health in pod/hermes-new"],
  ])('fails with what it waited for when %s, and never runs the seeder', (_label, scenario, waitedFor) => {
    const r = seedJob(scenario, { SEED_WAIT_SECONDS: '1' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`gave up after 1s waiting for ${waitedFor}`);
    expect(r.calls.some((c) => c.includes('/opt/seed/seed_cron.py'))).toBe(false);
  });
});

describe('maintenance windows reach the pre-checks', () => {
  it('site.yaml maintenanceWindows and the time zone are written into settings.json as validated', () => {
    const site = parseSite({ discord: DISCORD, maintenanceWindows: [{ name: 'pi-reboots', schedule: '0 3 * * 0', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } }] });
    const settings = JSON.parse(seedConfigData(site, 'v2026.9.14')['precheck-settings.json']);
    expect(settings.timezone).toBe('Europe/Berlin'); // the site's `timezone` (default)
    expect(settings.maintenanceWindows).toEqual([{ name: 'pi-reboots', schedule: '0 3 * * 0', durationMinutes: 30, scope: { nodes: ['pi-worker-1'] } }]);
    expect(precheckSettings(site, 'Europe/Madrid').timezone).toBe('Europe/Madrid');
  });
});
