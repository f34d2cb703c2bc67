// Metric name patterns of the performance API: `Category/Metric[/Sub][:aggregate]`, `*` wildcards, `*:` = raw only
// (VirtualBox src/VBox/Main/src-server/Performance.cpp Filter; vbox-api.md §6).

/** The aggregates every sub-metric has besides its raw samples. */
export const AGGREGATES = ['avg', 'min', 'max'] as const
export type Aggregate = (typeof AGGREGATES)[number]

function glob(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  )
  return re.test(text)
}

/**
 * True when `pattern` selects the sub-metric `name` (of base metric `base`) with `aggregate` (undefined = raw).
 * A pattern without ':' selects raw values and every aggregate; `x:` selects only raw; `x:avg` only that aggregate.
 */
export function metricMatches(pattern: string, base: string, name: string, aggregate: Aggregate | undefined): boolean {
  const colon = pattern.indexOf(':')
  const metricPart = colon < 0 ? pattern : pattern.slice(0, colon)
  const aggPart = colon < 0 ? undefined : pattern.slice(colon + 1)
  if (!glob(metricPart, name) && !glob(metricPart, base)) return false
  if (aggPart === undefined) return true
  if (aggPart === '') return aggregate === undefined
  return aggregate !== undefined && glob(aggPart, aggregate)
}

/** True when `pattern` selects base metric `base` for setup/enable/disable. */
export function baseMatches(pattern: string, base: string, subMetrics: readonly string[]): boolean {
  const metricPart = pattern.split(':')[0] ?? ''
  return glob(metricPart, base) || subMetrics.some((s) => glob(metricPart, s))
}
