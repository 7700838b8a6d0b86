// The stacks and how they depend on each other:
// Foundation <- Images, Commerce <- Access; Images <- Analytics (deployed once the BI login exists).
import { type App, Tags } from 'aws-cdk-lib';
import { AccessStack } from './access-stack.ts';
import { AnalyticsStack } from './analytics-stack.ts';
import { CommerceStack } from './commerce-stack.ts';
import type { TesseraConfig } from './config.ts';
import { FoundationStack } from './foundation-stack.ts';
import { ImagesStack } from './images-stack.ts';

export type TesseraStacks = {
  foundation: FoundationStack;
  images: ImagesStack;
  commerce: CommerceStack;
  access: AccessStack;
  analytics: AnalyticsStack;
};

export function buildTessera(app: App, config: TesseraConfig): TesseraStacks {
  const env = { account: config.account, region: config.region };
  const common = { env, config };
  const foundation = new FoundationStack(app, 'Tessera-Foundation', {
    ...common,
    description: 'Tessera: VPC, access-log bucket, alarm topic',
  });
  const images = new ImagesStack(app, 'Tessera-Images', {
    ...common,
    foundation,
    description: 'Tessera Design 2: web app, API Gateway, image API, S3, MSK, metadata database',
    terminationProtection: true,
  });
  const commerce = new CommerceStack(app, 'Tessera-Commerce', {
    ...common,
    foundation,
    description: 'Tessera Design 1: the commerce database and its internal admin portal',
    terminationProtection: true,
  });
  const access = new AccessStack(app, 'Tessera-Access', {
    ...common,
    images,
    commerce,
    description: 'Tessera: IAM groups Engineers and Analysts',
  });
  // The Access stack imports the Images stack's exports by name.
  access.addStackDependency(images);
  const analytics = new AnalyticsStack(app, 'Tessera-Analytics', {
    ...common,
    foundation,
    images,
    description: 'Tessera: QuickSight VPC connection and data source on the analytics schema',
  });
  Tags.of(app).add('project', 'tessera');
  return { foundation, images, commerce, access, analytics };
}
