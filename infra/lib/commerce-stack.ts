// Design 1: the commerce database and its admin portal, reachable only from the company's
// networks (office and VPN). The portal sits behind an internal load balancer; the database
// accepts the portal and those networks, nothing else.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { companyNetworks, type TesseraConfig } from './config.ts';
import { LoadBalancedSite } from './constructs/load-balanced-site.ts';
import { PostgresDatabase } from './constructs/postgres-database.ts';
import { ServiceFleet } from './constructs/service-fleet.ts';
import type { FoundationStack } from './foundation-stack.ts';
import { suppress } from './nag.ts';

export type CommerceStackProps = StackProps & {
  config: TesseraConfig;
  foundation: FoundationStack;
};

export const PORTAL_PORT = 8080;

export class CommerceStack extends Stack {
  readonly database: PostgresDatabase;
  readonly portal: LoadBalancedSite;
  readonly portalFleet: ServiceFleet;

  constructor(scope: Construct, id: string, props: CommerceStackProps) {
    super(scope, id, props);
    const { config, foundation } = props;
    const networks = companyNetworks(config);
    this.database = new PostgresDatabase(this, 'CommerceDb', {
      vpc: foundation.vpc,
      name: 'tessera-commerce',
      size: config.databases.commerce,
      logRetentionDays: config.logRetentionDays,
    });
    this.portal = new LoadBalancedSite(this, 'Portal', {
      vpc: foundation.vpc,
      internetFacing: false,
      allowedCidrs: networks,
      certificateArn: config.portalCertificateArn,
      accessLogs: foundation.accessLogs,
      accessLogPrefix: 'portal-alb',
    });
    // One password for the authenticator across the fleet: each portal sets it as it starts, so a
    // portal that starts later locks none of the others out.
    const authenticator = new secretsmanager.Secret(this, 'PortalAuthenticator', {
      description:
        "The commerce_portal role's password, set by every `tessera serve portal` at start",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    suppress(authenticator, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Every portal sets this password at start; rotating it is putting a new value and refreshing the portal instances, a documented step.',
      },
    ]);
    this.portalFleet = new ServiceFleet(this, 'PortalFleet', {
      vpc: foundation.vpc,
      size: config.fleets.portal,
      release: config.release,
      logRetentionDays: config.logRetentionDays,
      notifications: foundation.alarmTopic,
      processes: [{ service: 'portal', port: PORTAL_PORT, healthPath: '/' }],
      environment: {
        PORTAL_HOST: '0.0.0.0',
        PORTAL_PORT: `${PORTAL_PORT}`,
        // The portal checks the caller's address itself too (defence in depth behind the SG).
        PORTAL_ALLOW_CIDRS: networks.join(','),
        TRUST_PROXY: config.vpcCidr,
      },
      secrets: [
        { variable: 'DATABASE_URL', kind: 'database-url', secret: this.database.secret },
        { variable: 'PORTAL_AUTHENTICATOR_PASSWORD', kind: 'secret-string', secret: authenticator },
      ],
      migrate: true,
      loadBalanced: true,
    });
    // The portal answers 403 to any address outside PORTAL_ALLOW_CIDRS, the load balancer's own
    // health checks included: a 403 proves it is up and enforcing its allow-list.
    this.portal.routeTo(this.portalFleet.group, PORTAL_PORT, { path: '/', codes: '200,403' });
    this.database.allowFrom(this.portalFleet.securityGroup, 'the admin portal');
    for (const cidr of networks) {
      this.database.allowFrom(ec2.Peer.ipv4(cidr), `personal logins (psql, pgAdmin) from ${cidr}`);
    }
    new CfnOutput(this, 'PortalUrl', { value: this.portal.origin });
    new CfnOutput(this, 'CommerceDbEndpoint', {
      value: this.database.instance.dbInstanceEndpointAddress,
    });
  }
}
