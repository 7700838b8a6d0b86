// Every instance: IMDSv2, encrypted volumes, no SSH, Session Manager, least privilege, logs to
// CloudWatch, and user data that installs the release and starts its `tessera serve` process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Template } from 'aws-cdk-lib/assertions';
import type { ServiceFleet } from '../lib/constructs/service-fleet.ts';
import { actionsOf, config, logicalIdOf, statementsOf, tessera, userDataOf } from './fixture.ts';

const { templates, stacks } = tessera();

const fleets: [string, ServiceFleet, Template, string[]][] = [
  ['web', stacks.images.webFleet, templates.images, ['web']],
  ['image API', stacks.images.apiFleet, templates.images, ['image-api', 'gateway']],
  ['stream ingest', stacks.images.streamFleet, templates.images, ['stream-ingest']],
  ['portal', stacks.commerce.portalFleet, templates.commerce, ['portal']],
];

for (const [name, fleet, template, services] of fleets) {
  describe(`the ${name} fleet`, () => {
    const launchTemplate = () =>
      template.toJSON().Resources[logicalIdOf(fleet.node.findChild('LaunchTemplate'))].Properties
        .LaunchTemplateData;

    test('requires IMDSv2, encrypts its volume, has no SSH key and detailed monitoring on', () => {
      const data = launchTemplate();
      assert.equal(data.MetadataOptions.HttpTokens, 'required');
      assert.equal(data.MetadataOptions.HttpPutResponseHopLimit, 1);
      assert.equal(data.KeyName, undefined);
      assert.equal(data.Monitoring.Enabled, true);
      for (const device of data.BlockDeviceMappings) assert.equal(device.Ebs.Encrypted, true);
    });

    test('accepts no SSH: no inbound rule on port 22, only from its load balancer if any', () => {
      const groupId = logicalIdOf(fleet.securityGroup);
      const inline = template.toJSON().Resources[groupId].Properties.SecurityGroupIngress ?? [];
      const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
        .map((r) => r.Properties)
        .filter((p) => JSON.stringify(p.GroupId).includes(`"${groupId}"`));
      for (const rule of [...inline, ...separate]) {
        assert.ok(!(rule.FromPort <= 22 && rule.ToPort >= 22), 'port 22 is open');
        assert.equal(rule.CidrIp, undefined, 'instances take no traffic from CIDRs');
      }
    });

    test('is reached through Session Manager (AmazonSSMManagedInstanceCore)', () => {
      const role = template.toJSON().Resources[logicalIdOf(fleet.role)];
      assert.match(
        JSON.stringify(role.Properties.ManagedPolicyArns),
        /AmazonSSMManagedInstanceCore/,
      );
    });

    test('its role reads only its own release object, writes only its own log group', () => {
      const statements = statementsOf(template, logicalIdOf(fleet.role), 'Roles');
      const release = statements.find(
        (s) => s.Resource && JSON.stringify(s.Resource).includes(config.release.key),
      );
      assert.ok(release);
      assert.deepEqual(release.Action, 's3:GetObject');
      const logs = statements.find((s) => actionsOf([s]).includes('logs:PutLogEvents'));
      assert.deepEqual(logs?.Resource, { 'Fn::GetAtt': [logicalIdOf(fleet.logGroup), 'Arn'] });
      for (const statement of statements) assert.notEqual(statement.Resource, '*');
    });

    test('its user data installs the release and runs its processes under systemd, logging to CloudWatch', () => {
      const userData = userDataOf(template, fleet);
      assert.ok(userData.includes(`s3://${config.release.bucketName}/${config.release.key}`));
      for (const service of services) {
        assert.match(userData, new RegExp(`/etc/systemd/system/tessera-${service}\\.service`));
        assert.match(
          userData,
          new RegExp(`ExecStart=\\S+ src/cli\\.ts serve ${service} --port \\d+`),
        );
      }
      assert.match(userData, /systemctl enable --now/);
      assert.match(userData, /amazon-cloudwatch-agent-ctl -a fetch-config/);
      assert.ok(
        userData.includes(`"log_group_name": "\${{"Ref":"${logicalIdOf(fleet.logGroup)}"}}"`),
      );
      assert.match(userData, /cfn-signal/);
      assert.ok(
        !/password|GATEWAY_SECRET='[^$]/.test(userData.split('tessera-secrets <<')[0] ?? ''),
      );
    });

    test('replaces instances one at a time on a new release, each signalling only once it answers', () => {
      const group = template.toJSON().Resources[logicalIdOf(fleet.group)];
      assert.equal(group.UpdatePolicy.AutoScalingRollingUpdate.MaxBatchSize, 1);
      assert.equal(group.UpdatePolicy.AutoScalingRollingUpdate.WaitOnResourceSignals, true);
      assert.ok(group.CreationPolicy.ResourceSignal);
      assert.ok(group.Properties.NotificationConfigurations.length > 0);
    });
  });
}

describe('migrations run once per deploy before the services start', () => {
  const databaseFleets = fleets.filter(([name]) => name !== 'web');
  for (const [name, fleet, template, services] of databaseFleets) {
    test(`the ${name} fleet applies \`tessera db migrate\` (advisory-locked) before its processes`, () => {
      const userData = userDataOf(template, fleet);
      assert.match(
        userData,
        /tessera-migrate\.service[\s\S]*Type=oneshot[\s\S]*ExecStart=\S+ src\/cli\.ts db migrate/,
      );
      for (const service of services) {
        const unit = userData.split(`tessera-${service}.service <<'TESSERA_EOF'`)[1] ?? '';
        assert.match(unit, /Requires=.*tessera-migrate\.service/);
        assert.match(unit, /After=.*tessera-migrate\.service/);
      }
    });
  }

  test('the web app, which has no database, does not migrate', () => {
    assert.ok(!userDataOf(templates.images, stacks.images.webFleet).includes('db migrate'));
  });

  test('database credentials come from Secrets Manager at each start, never from user data', () => {
    const userData = userDataOf(templates.images, stacks.images.apiFleet);
    assert.match(
      userData,
      /aws secretsmanager get-secret-value .*--secret-id '\$\{\{"Ref":"MetadataDbInstanceSecretAttachment/,
    );
    assert.match(userData, /sslmode=verify-full/);
    const role = logicalIdOf(stacks.images.apiFleet.role);
    assert.ok(
      actionsOf(statementsOf(templates.images, role, 'Roles')).includes(
        'secretsmanager:GetSecretValue',
      ),
    );
  });
});
