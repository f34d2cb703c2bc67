// Metric name patterns as VirtualBox's performance API and `VBoxManage metrics` use them (vbox-api.md §6).
import { describe, expect, it } from 'vitest'
import { baseMatches, metricMatches } from '../../src/metrics/metric-names'

describe('metric name patterns', () => {
  const m = (pattern: string, name: string, aggregate?: 'avg' | 'min' | 'max') =>
    metricMatches(pattern, name.split('/').slice(0, 2).join('/'), name, aggregate)

  it('selects raw values and aggregates by name, wildcard and suffix', () => {
    expect(m('CPU/Load/User', 'CPU/Load/User')).toBe(true)
    expect(m('CPU/Load/User', 'CPU/Load/User', 'avg')).toBe(true)
    expect(m('CPU/Load/User', 'CPU/Load/Kernel')).toBe(false)
    expect(m('CPU/*', 'CPU/Load/Kernel', 'max')).toBe(true)
    expect(m('*:avg', 'RAM/Usage/Used', 'avg')).toBe(true)
    expect(m('*:avg', 'RAM/Usage/Used')).toBe(false)
    expect(m('*:', 'RAM/Usage/Used')).toBe(true)
    expect(m('*:', 'RAM/Usage/Used', 'min')).toBe(false)
    expect(m('CPU/Load', 'CPU/Load/Idle')).toBe(true) // the base metric selects its sub-metrics
    expect(m('RAM/Usage/Used:m*', 'RAM/Usage/Used', 'max')).toBe(true)
  })

  it('selects base metrics for setup by base or sub-metric name', () => {
    expect(baseMatches('CPU/Load', 'CPU/Load', ['CPU/Load/User'])).toBe(true)
    expect(baseMatches('CPU/Load/User:avg', 'CPU/Load', ['CPU/Load/User'])).toBe(true)
    expect(baseMatches('RAM/*', 'CPU/Load', ['CPU/Load/User'])).toBe(false)
  })
})
