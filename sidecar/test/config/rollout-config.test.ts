import { describe, expect, it } from 'vitest';
import { ConfigError, configFromArgs, resolveConfig, type SidecarConfigInput } from '@modelwatch/sidecar';

function configError(input: SidecarConfigInput): ConfigError {
  try {
    resolveConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const UP = 'http://127.0.0.1:9000';

describe('rollout configuration', () => {
  it('has no variants, full automation and bounded shadow work by default', () => {
    const c = resolveConfig({ upstream: UP });
    expect(c.rollout).toEqual({
      variants: [],
      initial: { primary: 'primary', canary: null, shadow: null, automation: 'full' },
      shadow: { maxInFlight: 64, timeoutMs: 5000, shedding: true },
    });
  });

  it('turns --shadow and --canary flags into variants of the primary\'s protocol', () => {
    const { input } = configFromArgs(['--upstream', UP, '--protocol', 'tfserving', '--shadow', 'http://s:1', '--shadow-percent', '25',
      '--canary', 'http://c:1/', '--canary-percent', '5', '--sticky-header', 'X-User-Id', '--automation', 'partial']);
    const c = resolveConfig(input);
    expect(c.rollout.variants).toEqual([
      { name: 'shadow', modelVersion: '1', source: { kind: 'proxy', upstream: 'http://s:1', protocol: 'tfserving' } },
      { name: 'canary', modelVersion: '1', source: { kind: 'proxy', upstream: 'http://c:1', protocol: 'tfserving' } },
    ]);
    expect(c.rollout.initial).toEqual({ primary: 'primary', canary: { variant: 'canary', percent: 5 }, shadow: { variant: 'shadow', percent: 25 }, automation: 'partial' });
    expect(c.rollout.stickyHeader).toBe('x-user-id');
  });

  it('reads named variants, the initial routing, the admin API and the analysis from the file keys', () => {
    const c = resolveConfig({
      upstream: UP, variant: 'blue',
      variants: [{ name: 'green', upstream: 'http://g:1', modelVersion: '2' }],
      routing: { primary: 'green' },
      rollout: { stateDir: '/tmp/x', admin: { port: 0, tokens: [{ name: 'ops', token: 'a-long-enough-secret' }] }, analysis: { steps: [5, 50], minRequests: 20 } },
    });
    expect(c.rollout.variants[0]).toMatchObject({ name: 'green', modelVersion: '2' });
    expect(c.rollout.initial.primary).toBe('green');
    expect(c.rollout.admin).toEqual({ host: '127.0.0.1', port: 0, tokens: [{ name: 'ops', token: 'a-long-enough-secret' }] });
    expect(c.rollout.analysis).toMatchObject({ steps: [5, 50], minRequests: 20, intervalMs: 60_000, failureThreshold: 2 });
  });

  it('takes admin tokens from MODELWATCH_ADMIN_TOKENS', () => {
    process.env.MODELWATCH_ADMIN_TOKENS = 'ops:a-long-enough-secret,bot:another-long-secret';
    try {
      const { input } = configFromArgs(['--upstream', UP, '--admin-port', '0', '--rollout-dir', '/tmp/r']);
      expect(resolveConfig(input).rollout).toMatchObject({ stateDir: '/tmp/r', admin: { port: 0, tokens: [{ name: 'ops' }, { name: 'bot' }] } });
    } finally {
      delete process.env.MODELWATCH_ADMIN_TOKENS;
    }
  });

  const cases: [string, SidecarConfigInput, string, RegExp][] = [
    ['a canary without its share', { upstream: UP, canary: 'http://c:1' }, 'MW_ERR_CONFIG_INVALID_TYPE', /canaryPercent: missing/],
    ['a share without a canary', { upstream: UP, canaryPercent: 5 }, 'MW_ERR_CONFIG_NOT_ALLOWED', /set canary/],
    ['a share over 100', { upstream: UP, shadow: 'http://s:1', shadowPercent: 150 }, 'MW_ERR_CONFIG_OUT_OF_RANGE', /shadowPercent: got 150, expected 0 to 100/],
    ['a shadow that is neither URL nor file', { upstream: UP, shadow: '/no/such.onnx' }, 'MW_ERR_CONFIG_MODEL_SOURCE', /neither an http\(s\) URL nor an existing ONNX file/],
    ['a variant of another protocol', { upstream: UP, protocol: 'tfserving', variants: [{ name: 'b', upstream: 'http://b:1', protocol: 'mlflow' }] }, 'MW_ERR_CONFIG_NOT_ALLOWED', /share the protocol/],
    ['a variant name used twice', { upstream: UP, variants: [{ name: 'primary', upstream: 'http://b:1' }] }, 'MW_ERR_CONFIG_NOT_ALLOWED', /used twice/],
    ['routing to an unknown variant', { upstream: UP, routing: { primary: 'nope' } }, 'MW_ERR_CONFIG_NOT_ALLOWED', /known variants: primary/],
    ['an unknown automation level', { upstream: UP, automation: 'robots' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /allowed: human, shadow, assistance, partial, full/],
    ['decreasing analysis steps', { upstream: UP, rollout: { analysis: { steps: [50, 10] } } }, 'MW_ERR_CONFIG_NOT_ALLOWED', /strictly increasing/],
    ['an admin API without tokens', { upstream: UP, rollout: { admin: { port: 0 } } }, 'MW_ERR_CONFIG_INVALID_TYPE', /MODELWATCH_ADMIN_TOKENS/],
    ['a short admin token', { upstream: UP, rollout: { admin: { tokens: [{ name: 'a', token: 'short' }] } } }, 'MW_ERR_CONFIG_INVALID_TYPE', /at least 16 characters/],
    ['an unknown rollout key', { upstream: UP, rollout: { canaryWeight: 1 } }, 'MW_ERR_CONFIG_UNKNOWN_KEY', /rollout.canaryWeight/],
    ['a bad sticky header', { upstream: UP, stickyHeader: 'x user' }, 'MW_ERR_CONFIG_NOT_ALLOWED', /HTTP header name/],
  ];
  for (const [what, input, code, message] of cases) {
    it(`refuses ${what} with ${code}`, () => {
      const err = configError(input);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    });
  }
});
