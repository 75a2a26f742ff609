import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors, ModelwatchError, rateLimitedLog } from '@modelwatch/core';

describe('rate-limited log', () => {
  it('writes at most perMinute lines a minute, then says how many it dropped', () => {
    let t = 1_000_000;
    const lines: string[] = [];
    const log = rateLimitedLog((l) => lines.push(l), { prefix: 'modelwatch test', perMinute: 3, now: () => t });
    for (let i = 0; i < 10; i++) log(`line ${i}`);
    expect(lines).toEqual(['modelwatch test: line 0', 'modelwatch test: line 1', 'modelwatch test: line 2']);
    t += 60_000;
    log('later');
    expect(lines.slice(3)).toEqual(['modelwatch test: 7 log lines dropped in the last minute', 'modelwatch test: later']);
  });
});

describe('ConfigError', () => {
  it('is a catalogue error with the key in its message and the code kept', () => {
    const err = new ConfigError(ConfigErrors.outOfRange, 'limits.maxBodyBytes', 'got 0, expected 1 to 1073741824');
    expect(err).toBeInstanceOf(ModelwatchError);
    expect(err.code).toBe('MW_ERR_CONFIG_OUT_OF_RANGE');
    expect(err.key).toBe('limits.maxBodyBytes');
    expect(err.message).toBe('MW_ERR_CONFIG_OUT_OF_RANGE: limits.maxBodyBytes: got 0, expected 1 to 1073741824');
    const collector = new ConfigError(ConfigErrors.collectorPort, 'port', 'port 70000 is not an integer between 0 and 65535');
    expect(collector.message).toBe('MW_COLLECTOR_PORT: port 70000 is not an integer between 0 and 65535');
  });
});
