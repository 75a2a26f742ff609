import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../cli/src/commands/sidecar.js';

describe('modelwatch sidecar command', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints usage for --help and exits 0', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await run(['--help'])).toBe(0);
    expect(log.mock.calls[0][0]).toMatch(/Usage: modelwatch sidecar/);
  });

  it('exits 2 with a clear message on an unknown flag', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await run(['--bogus'])).toBe(2);
    expect(err.mock.calls[0][0]).toMatch(/Unknown option '--bogus'/);
  });

  it('exits 2 naming the key on a bad configuration', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await run(['--upstream', 'http://127.0.0.1:1', '--protocol', 'soap'])).toBe(2);
    expect(err.mock.calls[0][0]).toMatch(/MW_ERR_CONFIG_NOT_ALLOWED: protocol: got "soap"/);
  });
});
