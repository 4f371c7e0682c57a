// Formatting of values as the proto3 JSON mapping gives them: int64 as strings, doubles possibly "NaN"/"Infinity",
// enums as names, instants as ISO-8601 strings. Times are shown in the browser's local time zone.

const DASH = '—';

/** The short form of a sha256 version id (8 hex digits, the shortest prefix the registry accepts). */
export function shortVersion(version) {
  return version ? String(version).slice(0, 8) : '';
}

/** A number from a JSON number or string ("12", "NaN", "Infinity"); NaN when absent. */
export function toNumber(value) {
  if (value == null || value === '') return NaN;
  return typeof value === 'number' ? value : Number(value);
}

/** An integer (int64 strings included, without losing precision) with digit grouping. */
export function formatInteger(value) {
  if (value == null || value === '') return '0';
  try {
    return BigInt(value).toLocaleString();
  } catch {
    return String(value);
  }
}

/** A decimal with a fixed number of digits; the dash when absent, the word for non-finite values. */
export function formatDecimal(value, digits = 2) {
  const number = toNumber(value);
  if (Number.isNaN(number)) return value == null || value === '' ? DASH : 'NaN';
  if (!Number.isFinite(number)) return number > 0 ? '∞' : '−∞';
  return number.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A loss value: four decimals, or the dash when the job has none yet. */
export function formatLoss(value) {
  return formatDecimal(value, 4);
}

/** A rate or a measurement: more decimals for small values, none for large ones. */
export function formatRate(value) {
  const number = toNumber(value);
  if (!Number.isFinite(number)) return formatDecimal(value);
  const digits = Math.abs(number) >= 1000 ? 0 : Math.abs(number) >= 10 ? 1 : 2;
  return formatDecimal(number, digits);
}

/** A metric of unknown scale: up to four decimals, trailing zeros dropped. */
export function formatMetric(value) {
  const number = toNumber(value);
  if (!Number.isFinite(number)) return formatDecimal(value);
  return number.toLocaleString(undefined, { maximumFractionDigits: 4 });
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** A byte count in binary units: 12.3 MiB. */
export function formatBytes(value) {
  let number = toNumber(value);
  if (!Number.isFinite(number)) return DASH;
  let unit = 0;
  while (Math.abs(number) >= 1024 && unit < BYTE_UNITS.length - 1) {
    number /= 1024;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : number >= 100 ? 0 : 1;
  return `${number.toLocaleString(undefined, { maximumFractionDigits: digits })} ${BYTE_UNITS[unit]}`;
}

function parseInstant(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** An instant as local date and time. */
export function formatDateTime(iso) {
  const date = parseInstant(iso);
  return date ? date.toLocaleString() : (iso || DASH);
}

/** An instant as local time of day (for live lists where the date is today). */
export function formatTime(iso) {
  const date = parseInstant(iso);
  return date ? date.toLocaleTimeString() : (iso || DASH);
}

/** Milliseconds as "1 h 02 min", "3 min 05 s" or "12 s"; the dash for zero or less (unknown). */
export function formatDuration(ms) {
  const total = Math.round(toNumber(ms) / 1000);
  if (!Number.isFinite(total) || total <= 0) return DASH;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (hours) return `${hours} h ${pad(minutes)} min`;
  if (minutes) return `${minutes} min ${pad(seconds)} s`;
  return `${seconds} s`;
}

const RESIDENCY = {
  RESIDENCY_DEVICE: 'Device',
  RESIDENCY_HOST: 'Host',
  RESIDENCY_STORE: 'Store',
  3: 'Device',
  2: 'Host',
  1: 'Store',
};

/** The tier a version is held in: Device (slot table), Host (memory cache) or Store (disk). */
export function residencyLabel(residency) {
  return RESIDENCY[residency] ?? DASH;
}

const FINISH_REASONS = {
  FINISH_REASON_LENGTH: 'Length (max new tokens reached)',
  FINISH_REASON_STOP: 'Stop string generated',
  FINISH_REASON_EOS: 'End of sequence',
  FINISH_REASON_CANCELLED: 'Cancelled',
};

/** Why a generation ended, in words. */
export function finishReasonLabel(reason) {
  return FINISH_REASONS[reason] ?? (reason ? String(reason) : 'Unspecified');
}

const EVENT_TYPES = { PUBLISHED: 'Published', PROMOTED: 'Promoted', ROLLED_BACK: 'Rolled back', DELETED: 'Deleted' };

/** A registry event type in words. */
export function eventTypeLabel(type) {
  return EVENT_TYPES[type] ?? (type ? String(type) : DASH);
}

export { DASH };
