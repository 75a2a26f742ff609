import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';

/**
 * The example model's data: vega-datasets' daily weather, a real public dataset shipped by an
 * npm package. Seattle 2012–2013 trains the model; Seattle 2014–2015 replays as production
 * (real seasonal drift, and the label mix really changes: fog up, drizzle gone); New York
 * 2012–2015 (from `weather.csv`) is the sudden shock when the replay switches city.
 */
export const FEATURE_NAMES = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;
export const CLASS_LABELS = ['drizzle', 'fog', 'rain', 'snow', 'sun'] as const;

export interface WeatherRow {
  location: string;
  date: string;
  features: number[];
  label: string;
}

const require = createRequire(import.meta.url);

/** Absolute path of a vega-datasets file: its `exports` hide `data/`, so resolve the package entry and walk up. */
export function datasetPath(file: string): string {
  const entry = require.resolve('vega-datasets');
  return join(entry.slice(0, entry.lastIndexOf(`${sep}build${sep}`)), 'data', file);
}

/** Parses the vega weather CSVs (`[location,]date,precipitation,temp_max,temp_min,wind,weather`). */
export function parseWeatherCsv(text: string, defaultLocation = 'Seattle'): WeatherRow[] {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const iLocation = col('location');
  const iDate = col('date');
  const iLabel = col('weather');
  const iFeatures = FEATURE_NAMES.map(col);
  if (iDate < 0 || iLabel < 0 || iFeatures.some((i) => i < 0)) {
    throw new Error(`unexpected weather CSV header: ${lines[0]}`);
  }
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return {
      location: iLocation >= 0 ? cells[iLocation] : defaultLocation,
      date: cells[iDate],
      features: iFeatures.map((i) => Number(cells[i])),
      label: cells[iLabel],
    };
  });
}

export function loadSeattle(): WeatherRow[] {
  return parseWeatherCsv(readFileSync(datasetPath('seattle-weather.csv'), 'utf8'));
}

export function loadNewYork(): WeatherRow[] {
  return parseWeatherCsv(readFileSync(datasetPath('weather.csv'), 'utf8')).filter((r) => r.location === 'New York');
}

const year = (r: WeatherRow) => Number(r.date.slice(0, 4));

/** Training period: Seattle 2012–2013. */
export function trainingRows(): WeatherRow[] {
  return loadSeattle().filter((r) => year(r) <= 2013);
}

/** Production replay: Seattle 2014–2015, then New York (the city switch). */
export function replayRows(): WeatherRow[] {
  return [...loadSeattle().filter((r) => year(r) >= 2014), ...loadNewYork()];
}

/** Deterministic split: every fifth day is held out for the accuracy figure. */
export function splitHoldout(rows: WeatherRow[]): { train: WeatherRow[]; holdout: WeatherRow[] } {
  return {
    train: rows.filter((_, i) => i % 5 !== 4),
    holdout: rows.filter((_, i) => i % 5 === 4),
  };
}

export function toCsv(rows: WeatherRow[]): string {
  const lines = rows.map((r) => [r.date, ...r.features, r.label].join(','));
  return ['date', ...FEATURE_NAMES, 'weather'].join(',') + '\n' + lines.join('\n') + '\n';
}
