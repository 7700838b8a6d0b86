// Tessera as a fleet: the instances of a service share PostgreSQL, the bucket and (the gateways)
// Redis, and the load balancer sends traffic only to instances that are ready.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { REDIS_PORT } from '../lib/constructs/redis-cache.ts';
import { actionsOf, logicalIdOf, statementsOf, tessera, userDataOf } from './fixture.ts';

const { templates, stacks } = tessera();
const images = templates.images;
const redis = stacks.images.redis;
const apiFleet = stacks.images.apiFleet;

/** Every ingress rule of a security group, inline or separate, by the group's logical id. */
function ingressOf(groupId: string): Record<string, unknown>[] {
  const inline = images.toJSON().Resources[groupId].Properties.SecurityGroupIngress ?? [];
  const separate = Object.values(images.findResources('AWS::EC2::SecurityGroupIngress'))
    .map((r) => r.Properties)
    .filter((p) => JSON.stringify(p.GroupId).includes(`"${groupId}"`));
  return [...inline, ...separate];
}

describe('the gateways share their rate limits in ElastiCache Redis', () => {
  test('TLS in transit (required), encrypted at rest, an AUTH token from Secrets Manager, Multi-AZ', () => {
    images.resourceCountIs('AWS::ElastiCache::ReplicationGroup', 1);
    const group = images.toJSON().Resources[logicalIdOf(redis.replicationGroup)].Properties;
    assert.equal(group.TransitEncryptionEnabled, true);
    assert.equal(group.TransitEncryptionMode, 'required');
    assert.equal(group.AtRestEncryptionEnabled, true);
    assert.equal(group.MultiAZEnabled, true);
    assert.equal(group.AutomaticFailoverEnabled, true);
    assert.equal(group.Port, REDIS_PORT);
    // A dynamic reference resolved by CloudFormation: the token is not in the template.
    const token = JSON.stringify(group.AuthToken);
    assert.match(token, /\{\{resolve:secretsmanager:/);
    assert.ok(token.includes(logicalIdOf(redis.authToken)));
  });

  test('in the isolated subnets, the same the databases use (no route out)', () => {
    const group = images.toJSON().Resources[logicalIdOf(redis.replicationGroup)].Properties;
    const subnetGroup = images.toJSON().Resources[group.CacheSubnetGroupName.Ref].Properties;
    const isolated = stacks.foundation.vpc.isolatedSubnets.map((s) => s.subnetId);
    assert.equal(subnetGroup.SubnetIds.length, isolated.length);
    for (const subnet of subnetGroup.SubnetIds) {
      assert.match(subnet['Fn::ImportValue'], /:ExportsOutputRefVpcisolatedSubnet\d/);
    }
  });

  test('its security group admits the image API / gateway fleet on the Redis port, nothing else', () => {
    const rules = ingressOf(logicalIdOf(redis.securityGroup));
    assert.equal(rules.length, 1, JSON.stringify(rules));
    const [rule] = rules;
    assert.equal(rule?.FromPort, REDIS_PORT);
    assert.equal(rule?.ToPort, REDIS_PORT);
    assert.equal(rule?.CidrIp, undefined);
    assert.deepEqual(rule?.SourceSecurityGroupId, {
      'Fn::GetAtt': [logicalIdOf(apiFleet.securityGroup), 'GroupId'],
    });
    images.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Redis'),
      SecurityGroupEgress: Match.anyValue(),
    });
  });

  test('the gateways get REDIS_URL=rediss://… at each start, the token read from Secrets Manager', () => {
    const userData = userDataOf(images, apiFleet);
    const line = userData.split('\n').find((l) => l.includes(' REDIS_URL '));
    assert.ok(line, 'no REDIS_URL in the secrets script');
    assert.match(line, /^printf "%s='%s'\\n" REDIS_URL "\$\(printf 'rediss:\/\/:%s@%s:%s' /);
    assert.ok(line.includes(`aws secretsmanager get-secret-value`));
    assert.ok(line.includes(logicalIdOf(redis.authToken)), 'the token secret is not the one read');
    assert.ok(line.includes('PrimaryEndPoint.Address'), 'not the primary endpoint');
    assert.ok(line.includes('PrimaryEndPoint.Port'));
    assert.doesNotMatch(userData, /REDIS_URL='/, 'REDIS_URL must not be written into user data');
    const reads = statementsOf(images, logicalIdOf(apiFleet.role), 'Roles').filter((s) =>
      actionsOf([s]).includes('secretsmanager:GetSecretValue'),
    );
    assert.ok(reads.some((s) => JSON.stringify(s.Resource).includes(logicalIdOf(redis.authToken))));
  });

  test('no other fleet gets REDIS_URL or may read the token', () => {
    for (const fleet of [stacks.images.webFleet, stacks.images.streamFleet]) {
      assert.doesNotMatch(userDataOf(images, fleet), /REDIS_URL/);
      const statements = statementsOf(images, logicalIdOf(fleet.role), 'Roles');
      assert.ok(
        !statements.some((s) => JSON.stringify(s.Resource).includes(logicalIdOf(redis.authToken))),
      );
    }
  });
});

describe('load balancers send traffic only to ready instances', () => {
  test('the API NLB checks the gateway’s /readyz (the database and the image API answer)', () => {
    const groups = Object.values(images.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))
      .map((r) => r.Properties)
      .filter((p) => p.Port === 8082);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.HealthCheckProtocol, 'HTTP');
    assert.equal(groups[0]?.HealthCheckPath, '/readyz');
  });

  test('a database failover does not recycle the API fleet: it is replaced on EC2 checks, not readiness', () => {
    const group = images.toJSON().Resources[logicalIdOf(apiFleet.group)].Properties;
    assert.equal(group.HealthCheckType, 'EC2');
  });
});

test('several portals: each is given the one PORTAL_AUTHENTICATOR_PASSWORD from Secrets Manager, so none locks another out', () => {
  const group =
    templates.commerce.toJSON().Resources[logicalIdOf(stacks.commerce.portalFleet.group)]
      .Properties;
  assert.equal(group.MinSize, '2');
  const userData = userDataOf(templates.commerce, stacks.commerce.portalFleet);
  assert.match(userData, /PORTAL_AUTHENTICATOR_PASSWORD.*PortalAuthenticator/s);
});
