/**
 * Streaming CSV (RFC 4180): header row, comma separator, fields optionally in double quotes with
 * "" for a quote, quoted fields may hold commas and line breaks, CRLF or LF. A record whose field
 * count differs from the header, a quote inside an unquoted field, text after a closing quote or
 * an unterminated quote is a bad row: reported with its line and column, skipped and counted
 * (or fatal with `strict`). Records without quotes take a fast path (split on commas).
 */
import { createReadStream, statSync } from 'node:fs';
import { toNumber } from '../baseline/values.js';
import { DEFAULT_BATCH_ROWS, emptyBatch, newStats, reportBadRow, TableReadError, type ReadStats, type RowBatch, type TableReadOptions, type TableSource } from './table.js';

/** Longest record accepted; a longer one is reported as an unterminated quote. */
export const MAX_RECORD_CHARS = 1 << 20;

const UNTERMINATED = 'unterminated quoted field';

type Parsed = { fields: string[] } | { error: string; column: number };

/** Parses one complete record (may contain quoted line breaks). */
export function parseCsvRecord(text: string): Parsed {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text.charCodeAt(i) === 34) {
      // Quoted field.
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return { error: UNTERMINATED, column: i + 1 };
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return { fields };
      if (text.charCodeAt(i) !== 44) return { error: 'unexpected text after a closing quote', column: i + 1 };
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = text.slice(i, end);
      const quote = value.indexOf('"');
      if (quote >= 0) return { error: 'quote inside an unquoted field', column: i + quote + 1 };
      fields.push(value);
      if (comma < 0) return { fields };
      i = comma + 1;
    }
  }
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Plain decimal `-?digits(.digits)?` with at most 15 significant digits: mantissa / 10^k is then
 * one correctly rounded division of two exact doubles, the same double Number() gives. Anything
 * else (exponents, spaces, 'NA', long numbers) goes through toNumber; missing becomes NaN.
 */
export function parseNumberField(text: string, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (text.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      m = m * 10 + (ch - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (ch === 46 && frac < 0) frac = 0;
    else break;
  }
  if (i === end && digits > 0 && digits <= 15 && frac !== 0) {
    const v = frac > 0 ? m / POW10[frac]! : m;
    return neg ? -v : v;
  }
  return toNumber(text.slice(start, end)) ?? NaN;
}

/**
 * Splits a quote-free record straight into the batch columns, numeric columns parsed in place
 * (no per-row array: numbers stay unboxed in double arrays). On a field-count mismatch it takes
 * back what it pushed and returns false, so the slow path can report the row.
 */
function fastRow(text: string, header: string[], numeric: Uint8Array, cols: unknown[][]): boolean {
  let start = 0;
  const n = header.length;
  for (let c = 0; c < n; c++) {
    let end = text.indexOf(',', start);
    if (c === n - 1) {
      if (end >= 0) return undo(cols, c);
      end = text.length;
    } else if (end < 0) return undo(cols, c);
    cols[c]!.push(numeric[c] ? parseNumberField(text, start, end) : text.slice(start, end));
    start = end + 1;
  }
  return true;
}

function undo(cols: unknown[][], pushed: number): false {
  for (let c = 0; c < pushed; c++) cols[c]!.pop();
  return false;
}

export class CsvSource implements TableSource {
  readonly format = 'csv' as const;
  stats: ReadStats;
  header: string[] = [];
  /**
   * Columns to parse into numbers while reading (NaN = missing), set from type inference on a
   * first sample: cheaper than keeping every cell as a string for the profiler to convert.
   */
  numericColumns = new Set<string>();

  constructor(
    readonly path: string,
    private readonly options: TableReadOptions = {},
  ) {
    this.stats = newStats(statSync(path).size);
  }

  async *batches(): AsyncIterable<RowBatch> {
    const stats = (this.stats = newStats(this.stats.totalBytes));
    const batchRows = this.options.batchRows ?? DEFAULT_BATCH_ROWS;
    let header: string[] | undefined;
    let batch: RowBatch | undefined;
    let cols: unknown[][] = [];
    let carry = '';
    let record = '';
    let recordLine = 0;
    let line = 0;

    /** 1 at the header positions of `numericColumns` (a typed mask: checked for every cell). */
    let numeric = new Uint8Array(0);
    let anyNumeric = false;
    const emit = (text: string, startLine: number): void => {
      if (header && anyNumeric && fastRow(text, header, numeric, cols)) {
        batch!.length++;
        stats.rows++;
        return;
      }
      emitParsed(text.indexOf('"') < 0 ? { fields: text.split(',') } : parseCsvRecord(text), text, startLine);
    };

    /** A record with quotes: complete, or still inside a quoted field (then wait for the next line). */
    const emitQuoted = (text: string, startLine: number): void => {
      const parsed = parseCsvRecord(text);
      if ('error' in parsed && parsed.error === UNTERMINATED && text.length <= MAX_RECORD_CHARS) {
        record = text;
        recordLine = startLine;
        return;
      }
      record = '';
      emitParsed(parsed, text, startLine);
    };

    const emitParsed = (parsed: Parsed, text: string, startLine: number): void => {
      if ('error' in parsed) {
        if (!header) throw new TableReadError(this.path, startLine, parsed.column, `bad header: ${parsed.error}`);
        reportBadRow(stats, this.path, this.options.strict, { line: startLine, column: parsed.column, message: parsed.error });
        return;
      }
      const fields = parsed.fields;
      if (!header) {
        header = fields.map((f) => f.trim());
        this.header = header;
        numeric = Uint8Array.from(header, (h) => (this.numericColumns.has(h) ? 1 : 0));
        anyNumeric = numeric.includes(1);
        batch = emptyBatch(header);
        cols = header.map((h) => batch!.columns[h]!);
        return;
      }
      if (fields.length !== header.length) {
        if (fields.length === 1 && fields[0] === '') return; // blank line
        const column = fields.length > header.length ? fields.slice(0, header.length).join(',').length + 2 : text.length + 1;
        reportBadRow(stats, this.path, this.options.strict, {
          line: startLine,
          column,
          message: `expected ${header.length} fields, found ${fields.length}`,
        });
        return;
      }
      for (let c = 0; c < fields.length; c++) cols[c]!.push(numeric[c] ? (toNumber(fields[c]) ?? NaN) : fields[c]);
      batch!.length++;
      stats.rows++;
    };

    const stream = createReadStream(this.path, { encoding: 'utf8', highWaterMark: 1 << 20 });
    for await (const chunk of stream as AsyncIterable<string>) {
      stats.bytesRead += Buffer.byteLength(chunk);
      let text = carry + chunk;
      carry = '';
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        line++;
        let piece = text.slice(start, nl);
        if (piece.charCodeAt(piece.length - 1) === 13) piece = piece.slice(0, -1);
        start = nl + 1;
        if (record && piece.indexOf('"') < 0) {
          // Still inside the quoted field: no quote on this line can close it, so no re-parse.
          record += '\n' + piece;
          if (record.length > MAX_RECORD_CHARS) {
            reportBadRow(stats, this.path, this.options.strict, { line: recordLine, column: 1, message: `${UNTERMINATED} (record longer than ${MAX_RECORD_CHARS} characters)` });
            record = '';
          }
        } else if (record) emitQuoted(record + '\n' + piece, recordLine);
        else if (piece.indexOf('"') >= 0) emitQuoted(piece, line);
        else emit(piece, line);
        if (batch && batch.length >= batchRows) {
          yield batch;
          batch = emptyBatch(header!);
          cols = header!.map((h) => batch!.columns[h]!);
        }
      }
      carry = text.slice(start);
      text = '';
    }
    if (carry.endsWith('\r')) carry = carry.slice(0, -1);
    if (record) {
      line++;
      const last = carry ? `${record}\n${carry}` : record;
      record = '';
      emitParsed(parseCsvRecord(last), last, recordLine);
    } else if (carry) {
      line++;
      emit(carry, line);
    }
    if (!header) throw new TableReadError(this.path, 1, 1, 'empty file: a CSV needs a header row');
    if (batch && batch.length > 0) yield batch;
  }
}
