// The CDK app. `npm run synth` (node bin/app.ts) writes every stack's template to infra/cdk.out
// without AWS credentials or network; `npx cdk deploy` runs this same file.
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { configFromContext } from '../lib/config.ts';
import { checkWithCdkNag } from '../lib/nag.ts';
import { buildTessera } from '../lib/tessera-app.ts';

// The CLI names its own output folder; run directly, the app writes next to this file's package.
const outdir = process.env.CDK_OUTDIR ?? fileURLToPath(new URL('../cdk.out', import.meta.url));
const app = new App({
  outdir,
  // Today's behaviour, stated so CDK stops asking: an export stays while a stack imports it.
  context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
});
buildTessera(app, configFromContext(app.node));
checkWithCdkNag(app);
const assembly = app.synth();
console.log(`Synthesized ${assembly.stacks.length} stacks into ${assembly.directory}`);
