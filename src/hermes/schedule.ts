/**
 * A port of Hermes' schedule parser (cron/jobs.py `parse_schedule` and `_natural_every_to_cron`, 0.21 era), so a
 * schedule the gateway would reject fails at synth time instead of in the seed Job's log.
 *
 * Order, as upstream: "[every] <day spec> [at] <time>" becomes cron (a day spec is day/daily/everyday/weekday(s)/
 * weekend(s) or a list of weekday names joined by "," or "and"; the time may contain spaces, "9 am"); any other
 * "every X" must be a duration; then a 5- or 6-field cron expression; then an ISO timestamp (one-shot); "in
 * <duration>" (one-shot); a bare duration (interval). Notably "every 1d at 09:00" falls through to
 * parse_duration("1d at 09:00") and fails, and plural weekdays ("mondays") are not weekday names.
 * Stricter than upstream in one place: a zero-length interval ("every 0m") is rejected.
 */

export type ParsedSchedule =
  | { readonly kind: 'interval'; readonly minutes: number }
  | { readonly kind: 'cron'; readonly expr: string }
  | { readonly kind: 'once'; readonly spec: string };

const DURATION = /^(\d*)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)$/;
const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440 };
const CLOCK = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/;
/** Keyword day specs (upstream _DAYSPEC_TO_CRON_DOW). */
const DAY_SPECS: Record<string, string> = {
  day: '*',
  daily: '*',
  everyday: '*',
  weekday: '1-5',
  weekdays: '1-5',
  weekend: '0,6',
  weekends: '0,6',
};
/** Weekday names and the abbreviations upstream accepts (_WEEKDAY_TO_CRON_DOW); no plurals. */
const WEEKDAYS: Record<string, string> = {
  sunday: '0', sun: '0',
  monday: '1', mon: '1',
  tuesday: '2', tue: '2', tues: '2',
  wednesday: '3', wed: '3', weds: '3',
  thursday: '4', thu: '4', thur: '4', thurs: '4',
  friday: '5', fri: '5',
  saturday: '6', sat: '6',
};
const own = (table: Record<string, string>, key: string): string | undefined => (Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined);

export class ScheduleError extends Error {}

export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim().toLowerCase());
  if (!m) throw new ScheduleError(`Invalid duration: "${text}" (use e.g. 30m, 2h, 1d)`);
  const n = m[1] === '' ? 1 : Number(m[1]);
  const minutes = n * UNIT_MINUTES[m[2][0]];
  if (minutes <= 0) throw new ScheduleError(`Invalid duration: "${text}" must be positive`);
  return minutes;
}

/** Upstream _parse_clock_time: spaces are ignored ("9 am"), 12-hour times need 1..12. */
function parseClock(text: string): [number, number] | undefined {
  const t = text.toLowerCase().replace(/ /g, '');
  if (t === 'noon' || t === 'midday') return [12, 0];
  if (t === 'midnight') return [0, 0];
  const m = CLOCK.exec(t);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  if (m[3]) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (m[3] === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return undefined;
  return [hour, minute];
}

/** "<when> [at] <time>" as Hermes turns it into cron (upstream _natural_every_to_cron), or undefined. */
function naturalLanguage(rest: string): string | undefined {
  const tokens = rest.toLowerCase().replace(/,/g, ' ').split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return undefined;
  let dow = own(DAY_SPECS, tokens[0]);
  let idx = 1;
  if (dow === undefined) {
    const days: string[] = [];
    idx = tokens.length;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] === 'and') continue;
      const mapped = own(WEEKDAYS, tokens[i]);
      if (mapped === undefined) {
        idx = i;
        break;
      }
      if (!days.includes(mapped)) days.push(mapped);
    }
    if (days.length === 0) return undefined;
    dow = days.join(',');
  }
  let timeTokens = tokens.slice(idx);
  if (timeTokens[0] === 'at') timeTokens = timeTokens.slice(1);
  if (timeTokens.length === 0) return undefined;
  const time = parseClock(timeTokens.join(' '));
  if (!time) return undefined;
  return `${time[1]} ${time[0]} * * ${dow}`;
}

const CRON_FIELD = /^[A-Za-z\d*\-,/]+$/;
const CRON_RANGES: ReadonlyArray<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** Numeric cron validation (croniter accepts more, e.g. names; the watchdogs use numbers only). */
function validCronField(field: string, [lo, hi]: [number, number]): boolean {
  return field.split(',').every((part) => {
    const [range, step] = part.split('/');
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return false;
    if (range === '*') return true;
    const bounds = range.split('-');
    if (bounds.length > 2 || !bounds.every((b) => /^\d+$/.test(b))) return /^[a-z]{3}(-[a-z]{3})?$/i.test(range);
    const nums = bounds.map(Number);
    return nums.every((n) => n >= lo && n <= hi) && (nums.length === 1 || nums[0] <= nums[1]);
  });
}

export function parseSchedule(schedule: string): ParsedSchedule {
  const s = schedule.trim();
  const lower = s.toLowerCase();
  const isEvery = lower.startsWith('every ');
  const rest = isEvery ? s.slice('every '.length).trim() : lower;

  const natural = naturalLanguage(rest);
  if (natural) return { kind: 'cron', expr: natural };
  if (isEvery) return { kind: 'interval', minutes: parseDuration(rest) };
  const parts = s.split(/\s+/);
  if (parts.length >= 5 && parts.slice(0, 5).every((p) => CRON_FIELD.test(p))) {
    if (parts.length > 6 || !parts.slice(0, 5).every((p, i) => validCronField(p, CRON_RANGES[i]))) {
      throw new ScheduleError(`Invalid cron expression: "${s}"`);
    }
    return { kind: 'cron', expr: parts.join(' ') };
  }
  if (s.includes('T') || /^\d{4}-\d{2}-\d{2}/.test(s)) {
    if (!ISO_TIMESTAMP.test(s) || Number.isNaN(Date.parse(s.slice(0, 10)))) throw new ScheduleError(`Invalid timestamp: "${s}"`);
    return { kind: 'once', spec: s };
  }
  if (lower.startsWith('in ')) {
    parseDuration(lower.slice(3));
    return { kind: 'once', spec: s };
  }
  return { kind: 'interval', minutes: parseDuration(lower) };
}

/** What Python's datetime.fromisoformat reads in practice: a date, optionally a time and an offset. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,6})?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** The number of runs a recurring schedule makes in one day (the plan's cost model). */
export function runsPerDay(parsed: ParsedSchedule): number {
  if (parsed.kind === 'interval') return Math.floor(1440 / parsed.minutes);
  if (parsed.kind === 'once') return 0;
  const [minute, hour] = parsed.expr.split(' ');
  const count = (field: string, max: number) => (field === '*' ? max : field.split(',').length);
  return count(minute, 60) * count(hour, 24);
}
