import { readFileSync } from 'node:fs';
import { vegaDataset } from './paths.js';

/**
 * The example model's data (vega-datasets daily weather): Seattle 2012–2013 is the training
 * period, Seattle 2014–2015 then New York replay as production traffic. The same split as
 * examples/seattle-weather/dataset.ts, which trains the model.
 */
export const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'] as const;

export interface DayRow {
  location: string;
  date: string;
  values: number[];
}

function parse(file: string, defaultLocation: string): DayRow[] {
  const lines = readFileSync(vegaDataset(file), 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const iLoc = header.indexOf('location');
  const iDate = header.indexOf('date');
  const iValues = FEATURES.map((f) => header.indexOf(f));
  return lines.slice(1).map((line) => {
    const c = line.split(',');
    return { location: iLoc >= 0 ? c[iLoc] : defaultLocation, date: c[iDate], values: iValues.map((i) => Number(c[i])) };
  });
}

const year = (r: DayRow) => Number(r.date.slice(0, 4));

export function trainingDays(): DayRow[] {
  return parse('seattle-weather.csv', 'Seattle').filter((r) => year(r) <= 2013);
}

/** Seattle 2014–2015 (seasonal drift) then New York 2012–2015 (the shock of a city switch). */
export function replayDays(): DayRow[] {
  const seattle = parse('seattle-weather.csv', 'Seattle').filter((r) => year(r) >= 2014);
  const newYork = parse('weather.csv', 'Seattle').filter((r) => r.location === 'New York');
  return [...seattle, ...newYork];
}

export function newYorkDays(): DayRow[] {
  return replayDays().filter((r) => r.location === 'New York');
}
