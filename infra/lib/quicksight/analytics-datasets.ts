// One SPICE dataset per view of the `analytics` schema, refreshed on a schedule, each field
// described by the view's own column comment. The images dataset adds what the starter dashboard
// groups by (the web dashboard's size buckets, the camera) and `preview_url`, the gateway's
// preview route of each image on the site, so a table can link each row to its picture.
import { Stack, Validations } from 'aws-cdk-lib';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import { Construct } from 'constructs';
import {
  ANALYTICS_VIEWS,
  type AnalyticsView,
  analyticsColumnComments,
  analyticsViewNames,
} from './analytics-views.ts';

export type AnalyticsDatasetsProps = {
  dataSourceArn: string;
  /** The site's origin (https://…): the gateway answers /api/images/<id>/preview there. */
  siteOrigin: string;
  /** QuickSight resource permissions on every dataset. */
  permissions: quicksight.CfnDataSet.ResourcePermissionProperty[];
};

/** Every hour: the figures about now (expiring in the next 24 hours) stay within the hour. */
export const REFRESH_INTERVAL = 'HOURLY';

type CalculatedColumn = { name: string; expression: string; description: string };

/** The web dashboard's size buckets (images.histogram_buckets), in bytes. */
const sizeBucket = [
  "ifelse({bytes} < 102400, '< 100 KB'",
  "{bytes} < 1048576, '100 KB – 1 MB'",
  "{bytes} < 5242880, '1 – 5 MB'",
  "{bytes} < 20971520, '5 – 20 MB'",
  "'≥ 20 MB')",
].join(', ');

export class AnalyticsDatasets extends Construct {
  /** By view name. */
  readonly datasets: Record<string, quicksight.CfnDataSet> = {};

  constructor(scope: Construct, id: string, props: AnalyticsDatasetsProps) {
    super(scope, id);
    const defined = new Set(ANALYTICS_VIEWS.map((v) => v.name));
    const missing = analyticsViewNames().filter((name) => !defined.has(name));
    if (missing.length > 0) {
      throw new Error(
        `analytics views without a QuickSight dataset: ${missing.join(', ')} (add them to infra/lib/quicksight/analytics-views.ts)`,
      );
    }
    const comments = analyticsColumnComments();
    for (const view of ANALYTICS_VIEWS) {
      const extra = view.name === 'images' ? imageColumns(props.siteOrigin) : [];
      const dataset = this.dataset(view, extra, comments, props);
      this.datasets[view.name] = dataset;
      const schedule = new quicksight.CfnRefreshSchedule(this, `${view.name}Refresh`, {
        awsAccountId: Stack.of(this).account,
        dataSetId: dataset.dataSetId,
        schedule: {
          scheduleId: `tessera-${view.name}-hourly`,
          refreshType: 'FULL_REFRESH',
          scheduleFrequency: { interval: REFRESH_INTERVAL, timeZone: 'UTC' },
        },
      });
      schedule.addResourceDependency(dataset);
    }
  }

  private dataset(
    view: AnalyticsView,
    calculated: CalculatedColumn[],
    comments: Map<string, string>,
    props: AnalyticsDatasetsProps,
  ): quicksight.CfnDataSet {
    const described = view.columns.map((c) => {
      const text = comments.get(`${view.name}.${c.name}`);
      if (!text) throw new Error(`analytics.${view.name}.${c.name} has no column comment`);
      return { name: c.name, text };
    });
    const transforms: quicksight.CfnDataSet.TransformOperationProperty[] = [];
    if (calculated.length > 0) {
      transforms.push({
        createColumnsOperation: {
          columns: calculated.map((c) => ({
            columnName: c.name,
            columnId: c.name,
            expression: c.expression,
          })),
        },
      });
    }
    for (const { name, text } of [
      ...described,
      ...calculated.map((c) => ({ name: c.name, text: c.description })),
    ]) {
      transforms.push({
        tagColumnOperation: { columnName: name, tags: [{ columnDescription: { text } }] },
      });
    }
    // QuickSight's table keys take letters, digits and hyphens only.
    const table = view.name.replaceAll('_', '-');
    const dataset = new quicksight.CfnDataSet(this, view.name, {
      awsAccountId: Stack.of(this).account,
      dataSetId: datasetId(view.name),
      name: `Tessera analytics.${view.name}`,
      importMode: 'SPICE',
      // A failed first import (the BI login not yet set) shows in QuickSight, not as a failed stack.
      ingestionWaitPolicy: { waitForSpiceIngestion: false },
      physicalTableMap: {
        [table]: {
          relationalTable: {
            dataSourceArn: props.dataSourceArn,
            schema: 'analytics',
            name: view.name,
            inputColumns: view.columns.map((c) => ({ name: c.name, type: c.type })),
          },
        },
      },
      logicalTableMap: {
        [table]: {
          alias: view.name,
          source: { physicalTableId: table },
          dataTransforms: transforms,
        },
      },
      permissions: props.permissions,
    });
    Validations.of(dataset).acknowledge({
      id: 'CloudFormation-Validate::W9009',
      reason:
        'LogicalTableMap is the classic data preparation that QuickSight’s API and CloudFormation still take; its successor, DataPrepConfiguration, is the new data-prep format, and a view with column descriptions and three calculated columns needs nothing it adds.',
    });
    return dataset;
  }
}

export function datasetId(view: string): string {
  return `tessera-analytics-${view.replaceAll('_', '-')}`;
}

/** The images dataset's own columns: the dashboard's groupings and the link to each picture. */
function imageColumns(siteOrigin: string): CalculatedColumn[] {
  return [
    {
      name: 'preview_url',
      // The gateway's route for an image's preview (GET /api/images/:id/preview), on the site.
      expression: `concat('${siteOrigin}/api/images/', {image_id}, '/preview')`,
      description:
        'The image’s preview on the site (the gateway’s /api/images/<id>/preview); opens for a signed-in analyst while the bytes are stored.',
    },
    {
      name: 'size_bucket',
      expression: sizeBucket,
      description: 'The web dashboard’s size bucket of the original file.',
    },
    {
      name: 'camera',
      expression:
        "ifelse(isNull({camera_make}) AND isNull({camera_model}), NULL, trim(concat(coalesce({camera_make}, ''), ' ', coalesce({camera_model}, ''))))",
      description: 'Camera maker and model from EXIF, when either is present.',
    },
  ];
}
