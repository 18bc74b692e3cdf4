/**
 * SQL expressions that render values as the JSON text JavaScript's serializers write (`JSON.stringify`,
 * Fastify's schema serializer): compact (no spaces), numbers as `String(x)` prints them. For answers built
 * whole in PostgreSQL and sent as they are. PostgreSQL's own `json_build_object`/`json_agg` put spaces
 * after `:` and `,`, and print doubles below 1e-4 or from 1e15 with an exponent, so they are not used for
 * the text itself. Each expression names its argument several times: pass a column, not a computation.
 */

/**
 * A `double precision` as `String(x)`: PostgreSQL's shortest round-trip digits (the same digits), with
 * the exponent spelled as JavaScript does (plain digits from 1e-6 up to 1e21, `1e-7`/`1e+21` outside),
 * `-0` as `0`, NULL as `null`. NaN and ±Infinity become `null`, as `JSON.stringify` writes them.
 */
export function jsonNumberSql(x: string): string {
  return `(CASE WHEN ${x} IS NULL OR ${x} IN ('NaN', 'Infinity', '-Infinity') THEN 'null'
    WHEN ${x} = 0 THEN '0'
    WHEN abs(${x}) >= 1e-4 AND abs(${x}) < 1e15 THEN ${x}::text
    WHEN abs(${x}) >= 1e-6 AND abs(${x}) < 1e21 THEN ${x}::text::numeric::text
    ELSE regexp_replace(${x}::text, 'e([+-])0*', 'e\\1') END)`;
}

/** A text (or varchar) as a JSON string, escaped as `JSON.stringify` escapes it; NULL as `null`. */
export function jsonStringSql(x: string): string {
  return `coalesce(to_json(${x}::text)::text, 'null')`;
}

/** An integer, bigint or boolean as JSON; NULL as `null`. */
export function jsonScalarSql(x: string): string {
  return `coalesce(${x}::text, 'null')`;
}
