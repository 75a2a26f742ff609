import type { GrafanaTheme2 } from '@grafana/data';
import type { HealthState } from '../types.js';

/** Theme colours per state, so dark and light themes both keep contrast. */
export function stateColor(theme: GrafanaTheme2, state: HealthState): string {
  switch (state) {
    case 'ok': return theme.colors.success.text;
    case 'warning': return theme.colors.warning.text;
    case 'critical': return theme.colors.error.text;
    default: return theme.colors.text.secondary;
  }
}
