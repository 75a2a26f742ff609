/**
 * Small builders for Grafana dashboard JSON (schema 39). Queries live in the dashboard files,
 * layout here: every panel gets the datasource variable, a unit and a position from one grid.
 */
export const DS = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  expr: string;
  legendFormat?: string;
  format?: 'time_series' | 'table' | 'heatmap';
  instant?: boolean;
}

export interface PanelSpec {
  title: string;
  description?: string;
  type?: 'timeseries' | 'stat' | 'bargauge' | 'table' | 'state-timeline' | 'modelwatch-pipelinehealth-panel';
  unit: string;
  targets: Target[];
  /** Grid width (of 24) and height. */
  w?: number;
  h?: number;
  min?: number;
  max?: number;
  thresholds?: { value: number | null; color: string }[];
  repeat?: string;
  options?: Record<string, unknown>;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  [key: string]: unknown;
}

/** Lays panels out left to right, wrapping at 24 columns; rows start a new line. */
export class Grid {
  private x = 0;
  private y = 0;
  private lineHeight = 0;
  private nextId = 1;
  readonly panels: Panel[] = [];

  row(title: string): this {
    this.newLine();
    this.panels.push({ id: this.nextId++, type: 'row', title, collapsed: false, panels: [], gridPos: { x: 0, y: this.y, w: 24, h: 1 } });
    this.y += 1;
    return this;
  }

  add(spec: PanelSpec): this {
    const w = spec.w ?? 8;
    const h = spec.h ?? 8;
    if (this.x + w > 24) this.newLine();
    const type = spec.type ?? 'timeseries';
    const thresholds = spec.thresholds ?? [{ value: null, color: 'green' }];
    this.panels.push({
      id: this.nextId++,
      type,
      title: spec.title,
      description: spec.description ?? '',
      datasource: DS,
      gridPos: { x: this.x, y: this.y, w, h },
      ...(spec.repeat ? { repeat: spec.repeat, repeatDirection: 'h', maxPerRow: 4 } : {}),
      fieldConfig: {
        defaults: {
          unit: spec.unit,
          ...(spec.min !== undefined ? { min: spec.min } : {}),
          ...(spec.max !== undefined ? { max: spec.max } : {}),
          thresholds: { mode: 'absolute', steps: thresholds },
        },
        overrides: [],
      },
      options: spec.options ?? (type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } } : {}),
      targets: spec.targets.map((t, i) => ({
        datasource: DS,
        refId: String.fromCharCode(65 + i),
        expr: t.expr,
        legendFormat: t.legendFormat ?? '__auto',
        range: !t.instant,
        instant: !!t.instant,
        ...(t.format ? { format: t.format } : {}),
      })),
    });
    this.x += w;
    this.lineHeight = Math.max(this.lineHeight, h);
    return this;
  }

  private newLine() {
    if (this.x > 0) {
      this.y += this.lineHeight;
      this.x = 0;
      this.lineHeight = 0;
    }
  }
}

export interface Variable {
  name: string;
  label: string;
  query: string;
  multi?: boolean;
  includeAll?: boolean;
}

function datasourceVariable() {
  return {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    refresh: 1,
    regex: '',
  };
}

function queryVariable(v: Variable) {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DS,
    query: { query: v.query, refId: `${v.name}-variable` },
    definition: v.query,
    refresh: 2,
    sort: 1,
    multi: v.multi ?? false,
    includeAll: v.includeAll ?? false,
    ...(v.includeAll ? { allValue: '.*' } : {}),
    current: {},
    hide: 0,
  };
}

/** A Prometheus annotation query: each returned series point marks the time axis of every panel. */
export interface AnnotationSpec {
  name: string;
  expr: string;
  titleFormat: string;
  tagKeys: string;
  iconColor: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  variables: Variable[];
  panels: Panel[];
  annotations?: AnnotationSpec[];
}

export function dashboard(spec: DashboardSpec) {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['modelwatch'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    graphTooltip: 1,
    templating: { list: [datasourceVariable(), ...spec.variables.map(queryVariable)] },
    annotations: {
      list: (spec.annotations ?? []).map((a) => ({ datasource: DS, enable: true, hide: false, step: '1m', textFormat: '', useValueForTime: false, ...a })),
    },
    links: [{ title: 'modelwatch', type: 'dashboards', tags: ['modelwatch'], asDropdown: true }],
    panels: spec.panels,
  };
}

export const MODEL_VARIABLES: Variable[] = [
  { name: 'model', label: 'Model', query: 'label_values(modelwatch_model_info, model)' },
  { name: 'stage', label: 'Stage', query: 'label_values(modelwatch_model_info{model="$model"}, stage)', multi: true, includeAll: true },
];
