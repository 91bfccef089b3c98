// Every watchdog schedule must be one Hermes' parser accepts (cron/jobs.py), and the plan's cert-expiry form is not.
import { describe, expect, it } from 'vitest';
import { WATCHDOGS } from '../src/hermes/watchdogs';
import { ScheduleError, parseSchedule, runsPerDay } from '../src/hermes/schedule';

describe('Hermes schedule forms', () => {
  it.each([
    ['every 15m', { kind: 'interval', minutes: 15 }],
    ['every 10m', { kind: 'interval', minutes: 10 }],
    ['every 1h', { kind: 'interval', minutes: 60 }],
    ['every 2h', { kind: 'interval', minutes: 120 }],
    ['every 1d', { kind: 'interval', minutes: 1440 }],
    ['every hour', { kind: 'interval', minutes: 60 }],
    ['30m', { kind: 'interval', minutes: 30 }],
    ['0 8 * * *', { kind: 'cron', expr: '0 8 * * *' }],
    ['*/5 * * * 1-5', { kind: 'cron', expr: '*/5 * * * 1-5' }],
    ['every day at 09:00', { kind: 'cron', expr: '0 9 * * *' }],
    ['daily at 7am', { kind: 'cron', expr: '0 7 * * *' }],
    ['weekdays at 9am', { kind: 'cron', expr: '0 9 * * 1-5' }],
    ['every monday 9am', { kind: 'cron', expr: '0 9 * * 1' }],
    ['in 30m', { kind: 'once', spec: 'in 30m' }],
    ['2026-12-01T09:00:00', { kind: 'once', spec: '2026-12-01T09:00:00' }],
  ])('accepts %s', (schedule, expected) => {
    expect(parseSchedule(schedule)).toEqual(expected);
  });

  // Upstream cron/jobs.py (_WEEKDAY_TO_CRON_DOW, _natural_every_to_cron, _parse_clock_time): day lists joined by ","
  // or "and", the abbreviations tues/weds/thur/thurs, a clock time with spaces, no plural weekday names.
  it.each([
    ['monday, wednesday at 9am', '0 9 * * 1,3'],
    ['every monday and wednesday 9am', '0 9 * * 1,3'],
    ['every mon, wed and fri at 17:30', '30 17 * * 1,3,5'],
    ['every wednesday, monday, wednesday at 9am', '0 9 * * 3,1'],
    ['every day at 9 am', '0 9 * * *'],
    ['daily at 7 : 30 pm', '30 19 * * *'],
    ['every tues 9am', '0 9 * * 2'],
    ['every weds 9am', '0 9 * * 3'],
    ['every thur 9am', '0 9 * * 4'],
    ['every thurs at noon', '0 12 * * 4'],
    ['every Sunday at midnight', '0 0 * * 0'],
    ['weekends at 10am', '0 10 * * 0,6'],
    ['every weekday 8', '0 8 * * 1-5'],
  ])('accepts the upstream form %s as %s', (schedule, expr) => {
    expect(parseSchedule(schedule)).toEqual({ kind: 'cron', expr });
  });

  it.each(['every mondays 9am', 'mondays at 9am', 'every tuesdays at 9am', 'every monday', 'every monday at', 'every 13pm', 'every day at 0am'])(
    'rejects %s as Hermes does',
    (schedule) => {
      expect(() => parseSchedule(schedule)).toThrow(ScheduleError);
    },
  );

  it.each(['every 1d at 09:00', 'every 15 minutes please', 'every', 'whenever', '61 * * * *', '0 25 * * *', 'every 0m', 'every day at 25:00', 'Tomorrow 9am'])(
    'rejects %s',
    (schedule) => {
      expect(() => parseSchedule(schedule)).toThrow(ScheduleError);
    },
  );
});

describe('the watchdog catalog', () => {
  it.each(WATCHDOGS.map((w) => [w.name, w.schedule] as const))('%s runs on a schedule Hermes accepts (%s)', (_name, schedule) => {
    expect(() => parseSchedule(schedule)).not.toThrow();
    expect(parseSchedule(schedule).kind).not.toBe('once');
  });

  it('rewrote exactly the plan schedule the parser rejects, to the same time of day', () => {
    const rewritten = WATCHDOGS.filter((w) => w.planSchedule);
    expect(rewritten.map((w) => [w.name, w.planSchedule, w.schedule])).toEqual([['cert-expiry', 'every 1d at 09:00', '0 9 * * *']]);
    expect(() => parseSchedule('every 1d at 09:00')).toThrow(/Invalid duration/);
  });

  it('costs 362 agent runs a day in the plan design (every tick wakes the agent)', () => {
    expect(WATCHDOGS.map((w) => runsPerDay(parseSchedule(w.schedule)))).toEqual([96, 144, 48, 24, 1, 48, 1]);
  });

  it('tells every silent watchdog about [SILENT] and the daily report never to use it', () => {
    for (const w of WATCHDOGS) {
      if (w.silentWhenHealthy) expect(w.prompt, w.name).toContain('reply with exactly [SILENT]');
      else expect(w.prompt, w.name).toContain('do not answer [SILENT]');
    }
  });

  it('never asks for commands cron approval refuses (shell wrappers, interpreters, pipes)', () => {
    for (const w of WATCHDOGS) {
      for (const cmd of w.agentCommands) expect(cmd, `${w.name}: ${cmd}`).not.toMatch(/bash -c|sh -c|python|\||;|&&|--kubeconfig|--token|--as\b|--raw/);
    }
  });
});
