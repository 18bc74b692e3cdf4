import type { CompareSignature, GroupedData, SideJson } from './perfcompare-data.ts';
import type { PerfCompareParams } from './perfcompare-params.ts';
import { graphsLink } from './perfcompare-timeranges.ts';
import { compareMannWhitney, compareStudentT, quantize2, type StandardStats } from './stats/index.ts';

/** One matched (header, platform) pair with both sides' data, before the statistics. */
export interface MatchedRow {
  readonly header: string;
  readonly platform: string;
  readonly base: CompareSignature | undefined;
  readonly next: CompareSignature | undefined;
  /** The statistics input per side: replicates when `replicates=true`, else the datum values. */
  readonly baseStats: number[];
  readonly newStats: number[];
  /** The lists the answer shows, as JSON text (`[]` for a side without a signature or data). */
  readonly baseJson: SideJson;
  readonly newJson: SideJson;
}

const NO_DATA: SideJson = { jobIds: '[]', runs: '[]', runsReplicates: '[]' };

/** `suite` alone when the test is blank or repeats the suite, else `"suite test"`. */
function testSuite(sig: CompareSignature): string {
  return sig.test === '' || sig.test === sig.suite ? sig.suite : `${sig.suite} ${sig.test}`;
}

/** The row header: `"<test_suite> <option_name> <extra_options> <application>"`. */
export function headerName(sig: CompareSignature): string {
  return `${testSuite(sig)} ${sig.option_name} ${sig.extra_options} ${sig.application}`;
}

interface SideMap {
  readonly byIdentifier: Map<string, CompareSignature>;
  readonly headers: string[];
  readonly platforms: string[];
}

function sideMap(signatures: readonly CompareSignature[], stats: Map<number, number[]>): SideMap {
  const byIdentifier = new Map<string, CompareSignature>();
  const headers: string[] = [];
  const platforms: string[] = [];
  for (const sig of signatures) {
    const header = headerName(sig);
    const identifier = `${header} ${sig.platform}`;
    // A later signature with the same identifier wins only when it has data.
    if (!byIdentifier.has(identifier) || (stats.get(sig.id)?.length ?? 0) !== 0) {
      byIdentifier.set(identifier, sig);
    }
    headers.push(header);
    platforms.push(sig.platform);
  }
  return { byIdentifier, headers, platforms };
}

/**
 * Matches base and new signatures by `"<header> <platform>"` (spec §3.12 "Matching base↔new"): headers
 * sorted, platforms in first-seen order (base, then new), a row only where a side has data.
 */
export function matchRows(
  baseSignatures: readonly CompareSignature[],
  newSignatures: readonly CompareSignature[],
  baseData: GroupedData,
  newData: GroupedData,
  useReplicates: boolean,
): MatchedRow[] {
  const baseStatsMap = useReplicates ? baseData.replicates : baseData.values;
  const newStatsMap = useReplicates ? newData.replicates : newData.values;
  const base = sideMap(baseSignatures, baseStatsMap);
  const next = sideMap(newSignatures, newStatsMap);
  const headers = [...new Set([...base.headers, ...next.headers])].sort();
  const platforms = [...new Set([...base.platforms, ...next.platforms])];
  const rows: MatchedRow[] = [];
  for (const header of headers) {
    for (const platform of platforms) {
      const identifier = `${header} ${platform}`;
      const baseSig = base.byIdentifier.get(identifier);
      const newSig = next.byIdentifier.get(identifier);
      const baseStats = baseSig ? (baseStatsMap.get(baseSig.id) ?? []) : [];
      const newStats = newSig ? (newStatsMap.get(newSig.id) ?? []) : [];
      if (baseStats.length === 0 && newStats.length === 0) continue;
      rows.push({
        header,
        platform,
        base: baseSig,
        next: newSig,
        baseStats,
        newStats,
        baseJson: (baseSig && baseData.json.get(baseSig.id)) || NO_DATA,
        newJson: (newSig && newData.json.get(newSig.id)) || NO_DATA,
      });
    }
  }
  return rows;
}

// DRF `DecimalField(decimal_places=2)`: every number the reference's serializers round.
const q = (x: number) => quantize2(x, 'half-even');
const qNullable = (x: number | null) => (x === null ? null : q(x));
/** What every row needs from the request besides its own data. */
export interface RowContext {
  readonly params: PerfCompareParams;
  /** The graphs link's `timerange`. */
  readonly timerange: number;
  /**
   * What a list given as JSON text becomes in the row: {@link RawJson.embed} when the answer is serialized
   * with it, `JSON.parse` when the row must be a plain value (the Mann-Whitney cache stores it).
   */
  readonly json: (text: string) => unknown;
}

/**
 * JSON texts placed into values that `JSON.stringify` then writes, spliced in as they are: each
 * {@link embed} returns a placeholder string (a random nonce after a U+0000, which JSON.stringify writes
 * as an escape no text of the answer can hold by chance), and {@link stringify} replaces each written
 * placeholder with its text. Node 20 has no `JSON.rawJSON`.
 */
export class RawJson {
  readonly #texts: string[] = [];
  readonly #tag = `\u0000raw${Math.random().toString(36).slice(2)}:`;

  readonly embed = (text: string): string => {
    this.#texts.push(text);
    return `${this.#tag}${this.#texts.length - 1}`;
  };

  stringify(value: unknown): string {
    // The placeholder as JSON.stringify writes it, between its quotes; then its index.
    const written = JSON.stringify(this.#tag)
      .slice(1, -1)
      .replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    const placeholder = new RegExp(`"${written}(\\d+)"`, 'g');
    return JSON.stringify(value).replace(placeholder, (_, i: string) => this.#texts[Number(i)] ?? 'null');
  }
}

/** Fields derived from the base signature when there is one, else from the new one. */
function signatureFields(row: MatchedRow) {
  const sig = row.base ?? row.next;
  return {
    suite: sig?.suite ?? '',
    test: sig?.test ?? '',
    option_name: sig?.option_name ?? '',
    extra_options: sig?.extra_options ?? '',
    lower_is_better: sig?.lower_is_better ?? false,
    signature_hash: sig?.signature_hash ?? '',
  };
}

function commonFields(row: MatchedRow, ctx: RowContext) {
  const { params } = ctx;
  const derived = signatureFields(row);
  // Python `base.get("has_subtests") or new.get("has_subtests")`.
  const baseSubtests = row.base?.has_subtests ?? null;
  const hasSubtests = baseSubtests ? baseSubtests : (row.next?.has_subtests ?? null);
  const isComplete = row.baseStats.length > 0 && row.newStats.length > 0;
  return {
    derived,
    isComplete,
    /** The first keys of both row versions, in the serializer's order. */
    leading: {
      base_rev: params.baseRevision,
      new_rev: params.newRevision,
      framework_id: params.framework,
      platform: row.platform,
      suite: derived.suite,
      header_name: row.header,
      base_repository_name: params.baseRepository,
      new_repository_name: params.newRepository,
      base_app: row.base ? row.base.application : '',
      new_app: row.next ? row.next.application : '',
      is_complete: isComplete,
      base_measurement_unit: row.base ? row.base.measurement_unit : '',
      new_measurement_unit: row.next ? row.next.measurement_unit : '',
      // In the order read (push time, then datum id): run i is the run of job i, as in the reference,
      // which builds both lists in one pass.
      base_retriggerable_job_ids: ctx.json(row.baseJson.jobIds),
      new_retriggerable_job_ids: ctx.json(row.newJson.jobIds),
      base_runs: ctx.json(row.baseJson.runs),
      new_runs: ctx.json(row.newJson.runs),
      base_runs_replicates: ctx.json(row.baseJson.runsReplicates),
      new_runs_replicates: ctx.json(row.newJson.runsReplicates),
    },
    /** The signature ids and has_subtests, a run of keys both row versions share. */
    signatureIds: {
      base_parent_signature: row.base ? row.base.parent_signature_id : null,
      new_parent_signature: row.next ? row.next.parent_signature_id : null,
      base_signature_id: row.base?.id ?? null,
      new_signature_id: row.next?.id ?? null,
      has_subtests: hasSubtests,
    },
    graphsLink: graphsLink({
      baseRepository: params.baseRepository,
      newRepository: params.newRepository,
      baseRevision: params.baseRevision,
      newRevision: params.newRevision,
      framework: params.framework,
      timerange: ctx.timerange,
      signatureHash: derived.signature_hash,
    }),
  };
}

/** A Student-t ("V1") row, keys in the reference serializer's order, decimals at 2 dp HALF_EVEN. */
export function studentTRow(row: MatchedRow, ctx: RowContext): Record<string, unknown> {
  const { derived, isComplete, leading, signatureIds, graphsLink: link } = commonFields(row, ctx);
  const t = compareStudentT({
    base: row.baseStats,
    new: row.newStats,
    lowerIsBetter: derived.lower_is_better,
    isComplete,
    headerName: row.header,
  });
  // One object from three (Object.assign, in key order): the same row with spreads took about 40 us to build.
  return Object.assign(
    {},
    leading,
    {
      base_avg_value: q(t.base_avg_value),
      new_avg_value: q(t.new_avg_value),
      base_median_value: q(t.base_median_value),
      new_median_value: q(t.new_median_value),
      test: derived.test,
      option_name: derived.option_name,
      extra_options: derived.extra_options,
      base_stddev: q(t.base_stddev),
      new_stddev: q(t.new_stddev),
      base_stddev_pct: q(t.base_stddev_pct),
      new_stddev_pct: q(t.new_stddev_pct),
      confidence: qNullable(t.confidence),
      confidence_text: t.confidence_text,
      graphs_link: link,
      delta_value: q(t.delta_value),
      delta_percentage: q(t.delta_percentage),
      magnitude: q(t.magnitude),
      new_is_better: t.new_is_better,
      lower_is_better: derived.lower_is_better,
      is_confident: t.is_confident,
      more_runs_are_needed: t.more_runs_are_needed,
      noise_metric: false,
      is_improvement: t.is_improvement,
      is_regression: t.is_regression,
      is_meaningful: t.is_meaningful,
    },
    signatureIds,
  );
}

/** `*_standard_stats` as the reference serializes them: the moments at 2 dp, count/min/max as they are. */
function standardStats2(stats: StandardStats): StandardStats {
  return {
    ...stats,
    mean: q(stats.mean),
    median: q(stats.median),
    variance: q(stats.variance),
    stddev: q(stats.stddev),
    stddev_pct: q(stats.stddev_pct),
  };
}

/** A Shapiro-Wilk or KS block with its stat and p-value at 2 dp. */
function test2<T extends { stat: number | null; pvalue: number | null }>(test: T): T {
  return { ...test, stat: qNullable(test.stat), pvalue: qNullable(test.pvalue) };
}

/**
 * A Mann-Whitney ("V2") row: the common fields plus the statistics module's fields, with every number
 * the reference's serializers round at 2 dp: `delta_value`, `delta_percentage`, the standard stats'
 * mean/median/variance/stddev/stddev_pct, the Shapiro-Wilk and KS stat and p-value, the Mann-Whitney
 * p-value, `cliffs_delta` and `cles.cles`. Interpretation strings are built from the unrounded numbers,
 * as in the reference. No `is_improvement`/`is_regression`/`kde_*` keys.
 */
export function mannWhitneyRow(row: MatchedRow, ctx: RowContext): Record<string, unknown> {
  const { params } = ctx;
  const { derived, leading, signatureIds, graphsLink: link } = commonFields(row, ctx);
  const m = compareMannWhitney({
    base: row.baseStats,
    new: row.newStats,
    lowerIsBetter: derived.lower_is_better,
    enableSilvermanKde: params.enableSilvermanKde,
  });
  return Object.assign(
    {},
    leading,
    {
      test: derived.test,
      option_name: derived.option_name,
      extra_options: derived.extra_options,
      delta_value: q(m.delta_value),
      delta_percentage: q(m.delta_percentage),
      lower_is_better: derived.lower_is_better,
      is_confident: m.is_confident,
      mann_whitney_test: m.mann_whitney_test && {
        ...m.mann_whitney_test,
        pvalue: q(m.mann_whitney_test.pvalue),
      },
      graphs_link: link,
      is_fit_good: m.is_fit_good,
      is_meaningful: m.is_meaningful,
      is_new_better: m.is_new_better,
    },
    signatureIds,
    {
      cles: m.cles && { ...m.cles, cles: q(m.cles.cles) },
      cliffs_delta: qNullable(m.cliffs_delta),
      cliffs_interpretation: m.cliffs_interpretation,
      direction_of_change: m.direction_of_change,
      base_standard_stats: standardStats2(m.base_standard_stats),
      new_standard_stats: standardStats2(m.new_standard_stats),
      ks_test: m.ks_test && test2(m.ks_test),
      ks_warning: m.ks_warning,
      shapiro_wilk_test_base: test2(m.shapiro_wilk_test_base),
      shapiro_wilk_test_new: test2(m.shapiro_wilk_test_new),
      shapiro_wilk_warnings: m.shapiro_wilk_warnings,
      warning_c_delta: m.warning_c_delta,
      kde_warnings: m.kde_warnings,
      more_runs_are_needed: m.more_runs_are_needed,
      silverman_kde: m.silverman_kde,
      silverman_warnings: m.silverman_warnings,
    },
  );
}
