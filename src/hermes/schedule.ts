/**
 * A port of the schedule forms Hermes' parser accepts (cron/jobs.py `parse_schedule`), so a schedule the
 * gateway would reject fails at synth time instead of in the seed Job's log.
 *
 * Order, as upstream: "[every] <day spec> [at] <time>" becomes cron; any other "every X" must be a duration;
 * then a 5-field cron expression; then an ISO timestamp (one-shot); "in <duration>" (one-shot); a bare
 * duration (interval). Notably "every 1d at 09:00" falls through to parse_duration("1d at 09:00") and fails.
 */

export type ParsedSchedule =
  | { readonly kind: 'interval'; readonly minutes: number }
  | { readonly kind: 'cron'; readonly expr: string }
  | { readonly kind: 'once'; readonly spec: string };

const DURATION = /^(\d*)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days)$/;
const UNIT_MINUTES: Record<string, number> = { m: 1, h: 60, d: 1440 };
const CLOCK = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/;
const DAY_SPECS: Record<string, string> = {
  day: '*',
  daily: '*',
  everyday: '*',
  weekday: '1-5',
  weekdays: '1-5',
  weekend: '0,6',
  weekends: '0,6',
};
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export class ScheduleError extends Error {}

export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim().toLowerCase());
  if (!m) throw new ScheduleError(`Invalid duration: "${text}" (use e.g. 30m, 2h, 1d)`);
  const n = m[1] === '' ? 1 : Number(m[1]);
  const minutes = n * UNIT_MINUTES[m[2][0]];
  if (minutes <= 0) throw new ScheduleError(`Invalid duration: "${text}" must be positive`);
  return minutes;
}

function parseClock(text: string): [number, number] | undefined {
  const t = text.toLowerCase();
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

function dayField(word: string): string | undefined {
  if (word in DAY_SPECS) return DAY_SPECS[word];
  const days = word.split(',').map((d) => WEEKDAYS.findIndex((w) => w === d || w.slice(0, 3) === d || `${w}s` === d));
  return days.every((d) => d >= 0) ? days.join(',') : undefined;
}

/** "[every] <day spec> [at] <time>" as Hermes turns it into cron, or undefined when not that form. */
function naturalLanguage(words: string[]): string | undefined {
  const rest = words[0] === 'every' ? words.slice(1) : words;
  if (rest.length < 2 || rest.length > 3) return undefined;
  const dow = dayField(rest[0]);
  if (dow === undefined) return undefined;
  if (rest.length === 3 && rest[1] !== 'at') return undefined;
  const time = parseClock(rest[rest.length - 1]);
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
  const words = lower.split(/\s+/);

  const natural = naturalLanguage(words);
  if (natural) return { kind: 'cron', expr: natural };
  if (words[0] === 'every') {
    const rest = lower.slice('every'.length).trim();
    if (rest === 'hour') return { kind: 'interval', minutes: 60 };
    return { kind: 'interval', minutes: parseDuration(rest) };
  }
  const parts = s.split(/\s+/);
  if (parts.length >= 5 && parts.slice(0, 5).every((p) => CRON_FIELD.test(p))) {
    if (parts.length > 6 || !parts.slice(0, 5).every((p, i) => validCronField(p, CRON_RANGES[i]))) {
      throw new ScheduleError(`Invalid cron expression: "${s}"`);
    }
    return { kind: 'cron', expr: parts.join(' ') };
  }
  if (s.includes('T') || /^\d{4}-\d{2}-\d{2}/.test(s)) return { kind: 'once', spec: s };
  if (words[0] === 'in') {
    parseDuration(lower.slice(2));
    return { kind: 'once', spec: s };
  }
  return { kind: 'interval', minutes: parseDuration(lower) };
}

/** The number of runs a recurring schedule makes in one day (the plan's cost model). */
export function runsPerDay(parsed: ParsedSchedule): number {
  if (parsed.kind === 'interval') return Math.floor(1440 / parsed.minutes);
  if (parsed.kind === 'once') return 0;
  const [minute, hour] = parsed.expr.split(' ');
  const count = (field: string, max: number) => (field === '*' ? max : field.split(',').length);
  return count(minute, 60) * count(hour, 24);
}
