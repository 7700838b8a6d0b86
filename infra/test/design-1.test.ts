// Design 1's network restriction (../shared/seed/system-design.md): the test names quote it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { companyNetworks } from '../lib/config.ts';
import { config, logicalIdOf, tessera, userDataOf } from './fixture.ts';

const SENTENCE =
  '"Ideally the pgAdmin interface should only be accessible when connected via company VPN or whitelisted IP addresses."';

const { templates, stacks } = tessera();
const commerce = templates.commerce;
const networks = companyNetworks(config);

type Ingress = {
  CidrIp?: string;
  SourceSecurityGroupId?: unknown;
  FromPort?: number;
  ToPort?: number;
};

/** Inbound rules of a security group, inline or as separate resources. */
function ingressOf(groupLogicalId: string): Ingress[] {
  const json = commerce.toJSON().Resources;
  const inline: Ingress[] = json[groupLogicalId].Properties.SecurityGroupIngress ?? [];
  const separate = Object.values(commerce.findResources('AWS::EC2::SecurityGroupIngress'))
    .filter((r) => JSON.stringify(r.Properties.GroupId).includes(`"${groupLogicalId}"`))
    .map((r) => r.Properties as Ingress);
  return [...inline, ...separate];
}

describe(SENTENCE, () => {
  test(`${SENTENCE} — the admin portal's load balancer is internal and admits the office and VPN CIDRs only`, () => {
    commerce.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Type: 'application',
    });
    const rules = ingressOf(logicalIdOf(stacks.commerce.portal.securityGroup));
    assert.ok(rules.length > 0);
    assert.deepEqual([...new Set(rules.map((r) => r.CidrIp))].sort(), [...networks].sort());
    assert.ok(!rules.some((r) => r.CidrIp === '0.0.0.0/0'));
  });

  test(`${SENTENCE} — the portal instances accept their load balancer only, and the portal checks the address itself too`, () => {
    const rules = ingressOf(logicalIdOf(stacks.commerce.portalFleet.securityGroup));
    assert.equal(rules.length, 1);
    assert.deepEqual(rules[0]?.SourceSecurityGroupId, {
      'Fn::GetAtt': [logicalIdOf(stacks.commerce.portal.securityGroup), 'GroupId'],
    });
    assert.equal(rules[0]?.FromPort, 8080);
    const userData = userDataOf(commerce, stacks.commerce.portalFleet);
    assert.ok(userData.includes(`PORTAL_ALLOW_CIDRS='${networks.join(',')}'`));
    assert.match(userData, /src\/cli\.ts serve portal --port 8080/);
  });

  test(`${SENTENCE} — the commerce database accepts the portal and those networks only, on 5432`, () => {
    const rules = ingressOf(logicalIdOf(stacks.commerce.database.securityGroup));
    const fromGroups = rules.filter((r) => r.SourceSecurityGroupId);
    assert.deepEqual(
      fromGroups.map((r) => r.SourceSecurityGroupId),
      [{ 'Fn::GetAtt': [logicalIdOf(stacks.commerce.portalFleet.securityGroup), 'GroupId'] }],
    );
    assert.deepEqual(
      rules
        .filter((r) => r.CidrIp)
        .map((r) => r.CidrIp)
        .sort(),
      [...networks].sort(),
    );
    for (const rule of rules) {
      assert.equal(rule.FromPort, 5432);
      assert.equal(rule.ToPort, 5432);
    }
  });

  test(`${SENTENCE} — the commerce database is not public: isolated subnets, encrypted, TLS only`, () => {
    commerce.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceIdentifier: 'tessera-commerce',
      PubliclyAccessible: false,
      StorageEncrypted: true,
    });
    commerce.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1' },
    });
    const subnetGroup = Object.values(commerce.findResources('AWS::RDS::DBSubnetGroup'))[0];
    assert.match(JSON.stringify(subnetGroup?.Properties.SubnetIds), /isolatedSubnet/);
  });

  test(`${SENTENCE} — nothing in the commerce stack is open to the internet`, () => {
    for (const group of Object.values(commerce.findResources('AWS::EC2::SecurityGroup'))) {
      for (const rule of group.Properties.SecurityGroupIngress ?? []) {
        assert.notEqual(rule.CidrIp, '0.0.0.0/0');
      }
    }
    commerce.resourcePropertiesCountIs(
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      { Scheme: 'internet-facing' },
      0,
    );
    commerce.resourcePropertiesCountIs(
      'AWS::EC2::SecurityGroupIngress',
      { CidrIp: Match.stringLikeRegexp('^0\\.0\\.0\\.0/0$') },
      0,
    );
  });
});
