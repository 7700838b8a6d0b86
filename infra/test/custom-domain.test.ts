// With webDomainName and webCertificateArn the site answers to its own name: CloudFront presents
// the certificate (which must be in us-east-1) with TLS 1.2 at least, and the browser is sent there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildTessera } from '../lib/tessera-app.ts';
import { config, logicalIdOf, synthesize, userDataOf } from './fixture.ts';

const name = 'images.example.com';
const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0f6c1b1e-example';
const { app, templates, stacks } = synthesize({
  ...config,
  webDomainName: name,
  webCertificateArn: certificateArn,
});
const distributionId = logicalIdOf(stacks.images.site.distribution);
const distributionConfig =
  templates.images.toJSON().Resources[distributionId].Properties.DistributionConfig;

describe('a custom name for the site', () => {
  test('CloudFront answers to it with its certificate, SNI and TLSv1.2_2021', () => {
    assert.deepEqual(distributionConfig.Aliases, [name]);
    assert.deepEqual(distributionConfig.ViewerCertificate, {
      AcmCertificateArn: certificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
  });

  test('the web app sends the browser to that name; the gateway allows it and the CloudFront name', () => {
    assert.ok(
      userDataOf(templates.images, stacks.images.webFleet).includes(
        `GATEWAY_URL='https://${name}'`,
      ),
    );
    const cloudFrontOrigin = `https://\${${JSON.stringify({ 'Fn::GetAtt': [distributionId, 'DomainName'] })}}`;
    assert.ok(
      userDataOf(templates.images, stacks.images.apiFleet).includes(
        `GATEWAY_CORS_ORIGINS='https://${name},${cloudFrontOrigin}'`,
      ),
    );
  });

  test('QuickSight’s preview_url links to the preview on that name', () => {
    const template = templates.analytics.toJSON();
    type Json = typeof template;
    const images = Object.values(template.Resources as Json)
      .filter((r: Json) => r.Type === 'AWS::QuickSight::DataSet')
      .flatMap((r: Json) => Object.values(r.Properties.LogicalTableMap as Json))
      .flatMap((table: Json) => table.DataTransforms)
      .flatMap((t: Json) => t.CreateColumnsOperation?.Columns ?? [])
      .find((c: Json) => c.ColumnName === 'preview_url');
    assert.equal(
      images?.Expression,
      `concat('https://${name}/api/images/', {image_id}, '/preview')`,
    );
  });

  test('cdk-nag finds nothing, and the minimum-TLS rule (CFR4) holds without an acknowledgement', () => {
    const { violations } = new AwsSolutionsChecks().validateScope(app);
    assert.deepEqual(violations, []);
    const acknowledged = stacks.images.site.distribution.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));
    assert.ok(acknowledged.length > 0);
    assert.ok(!acknowledged.includes('AwsSolutions-CFR4'), acknowledged.join(', '));
  });

  test('a certificate outside us-east-1 is refused before anything is deployed', () => {
    assert.throws(
      () =>
        buildTessera(new App(), {
          ...config,
          webDomainName: name,
          webCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f6c1b1e-example',
        }),
      /us-east-1/,
    );
  });
});
