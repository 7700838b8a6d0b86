// The settings: defaults, context overrides, and refusal of misspelt keys. No synthesis here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  configFromContext,
  DEFAULT_REGION,
  DUMMY_ACCOUNT,
  defaultConfig,
  webDomain,
} from '../lib/config.ts';

function context(values: Record<string, unknown>) {
  return { tryGetContext: (key: string) => values[key] };
}

test('without context or credentials, synthesis uses the documented dummy account and region', () => {
  const config = configFromContext(context({}), {});
  assert.equal(config.account, DUMMY_ACCOUNT);
  assert.equal(config.region, DEFAULT_REGION);
  assert.deepEqual(config.availabilityZones, ['eu-west-1a', 'eu-west-1b']);
  assert.equal(config.imageRetentionDays, 7);
});

test('the CLI’s account and region are used when it provides them, context wins over both', () => {
  const fromCli = configFromContext(context({}), {
    CDK_DEFAULT_ACCOUNT: '222222222222',
    CDK_DEFAULT_REGION: 'us-east-1',
  });
  assert.equal(fromCli.account, '222222222222');
  assert.deepEqual(fromCli.availabilityZones, ['us-east-1a', 'us-east-1b']);
  const fromContext = configFromContext(context({ region: 'eu-central-1' }), {
    CDK_DEFAULT_REGION: 'us-east-1',
  });
  assert.equal(fromContext.region, 'eu-central-1');
});

test('`-c release=…` rolls out a new release; `-c tessera={…}` overrides nested settings', () => {
  const config = configFromContext(
    context({
      release: 'releases/tessera-2.0.0.tgz',
      tessera: JSON.stringify({ sourceCidrs: ['192.0.2.0/24'], fleets: { web: { max: 8 } } }),
    }),
    {},
  );
  assert.equal(config.release.key, 'releases/tessera-2.0.0.tgz');
  assert.deepEqual(config.sourceCidrs, ['192.0.2.0/24']);
  assert.equal(config.fleets.web.max, 8);
  assert.equal(config.fleets.web.instanceType, defaultConfig().fleets.web.instanceType);
});

test('a misspelt setting is refused rather than ignored', () => {
  assert.throws(
    () => configFromContext(context({ tessera: { fleets: { wbe: { max: 3 } } } }), {}),
    /unknown setting "fleets\.wbe"/,
  );
});

test('the site’s own name and its (us-east-1) certificate go together, or neither is set', () => {
  const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc';
  const config = defaultConfig();
  assert.equal(webDomain(config), undefined);
  assert.deepEqual(
    webDomain({ ...config, webDomainName: 'images.example.com', webCertificateArn: arn }),
    { name: 'images.example.com', certificateArn: arn },
  );
  assert.throws(() => webDomain({ ...config, webDomainName: 'images.example.com' }), /together/);
  assert.throws(() => webDomain({ ...config, webCertificateArn: arn }), /together/);
});
