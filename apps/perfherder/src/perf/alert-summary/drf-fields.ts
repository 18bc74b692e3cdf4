/**
 * Field parsers with DRF's messages, for the write serializers of alert summaries and alerts. Each
 * returns the parsed value or records a message under the field name in `errors`.
 */
export type FieldErrors = Record<string, string[]>;

const INT_MAX = 2_147_483_647;
const TRUE_VALUES = new Set<unknown>([true, 1, '1', 'true', 'True', 'TRUE', 't', 'T', 'yes', 'y', 'on']);
const FALSE_VALUES = new Set<unknown>([false, 0, '0', 'false', 'False', 'FALSE', 'f', 'F', 'no', 'n', 'off']);

/** Records `message` under `name`. */
export function addError(errors: FieldErrors, name: string, message: string): void {
  const list = errors[name];
  if (list) list.push(message);
  else errors[name] = [message];
}

const fail = (errors: FieldErrors, name: string, message: string): undefined => {
  addError(errors, name, message);
  return undefined;
};

/** DRF IntegerField: an integer, or a string / float holding one; `null` only when allowed. */
export function integerField(
  errors: FieldErrors,
  name: string,
  value: unknown,
  options: { min?: number; max?: number; allowNull?: boolean } = {},
): number | null | undefined {
  if (value === null) return options.allowNull ? null : fail(errors, name, 'This field may not be null.');
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^[-+]?\d+(\.0*)?$/.test(text)) return fail(errors, name, 'A valid integer is required.');
  const n = Number.parseInt(text, 10);
  const min = options.min ?? -INT_MAX - 1;
  const max = options.max ?? INT_MAX;
  if (n < min) return fail(errors, name, `Ensure this value is greater than or equal to ${min}.`);
  if (n > max) return fail(errors, name, `Ensure this value is less than or equal to ${max}.`);
  return n;
}

/** DRF ChoiceField over integer choices `0..last`. */
export function choiceField(
  errors: FieldErrors,
  name: string,
  value: unknown,
  last: number,
  allowNull = false,
): number | null | undefined {
  if (value === null) return allowNull ? null : fail(errors, name, 'This field may not be null.');
  const text = String(value);
  if (
    (typeof value === 'number' || typeof value === 'string') &&
    /^\d+$/.test(text) &&
    Number(text) <= last
  ) {
    return Number(text);
  }
  return fail(
    errors,
    name,
    `"${typeof value === 'object' ? JSON.stringify(value) : text}" is not a valid choice.`,
  );
}

/** DRF BooleanField. */
export function booleanField(errors: FieldErrors, name: string, value: unknown): boolean | undefined {
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  if (value === null) return fail(errors, name, 'This field may not be null.');
  return fail(errors, name, 'Must be a valid boolean.');
}

/** DRF CharField (`allow_null`, `allow_blank`): strings, numbers and booleans are taken as text. */
export function textField(errors: FieldErrors, name: string, value: unknown): string | null | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(errors, name, 'Not a valid string.');
}

/** The slug of a SlugRelatedField: a non-null string (or number) to look up. */
export function slugField(
  errors: FieldErrors,
  name: string,
  value: unknown,
  allowNull = false,
): string | null | undefined {
  if (value === null) return allowNull ? null : fail(errors, name, 'This field may not be null.');
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return fail(errors, name, 'Invalid value.');
}

/** DRF SlugRelatedField's message for a slug that matches no row. */
export function doesNotExist(errors: FieldErrors, name: string, slug: string, value: string): void {
  fail(errors, name, `Object with ${slug}=${value} does not exist.`);
}

/** DRF PrimaryKeyRelatedField's message for an id that matches no row. */
export function invalidPk(errors: FieldErrors, name: string, value: unknown): void {
  fail(errors, name, `Invalid pk "${String(value)}" - object does not exist.`);
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
