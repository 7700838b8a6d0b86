// The starter analysis and dashboard: the web dashboard's figures (src/images/analytics), drawn by
// QuickSight from the analytics datasets, so analysts find something to open on the first day and
// authors a starting point to copy. One definition serves both the analysis and the dashboard.
import type * as quicksight from 'aws-cdk-lib/aws-quicksight';

type Definition = quicksight.CfnDashboard.DashboardVersionDefinitionProperty;
type Visual = quicksight.CfnDashboard.VisualProperty;
type FilterGroup = quicksight.CfnDashboard.FilterGroupProperty;
type Column = { dataSetIdentifier: string; columnName: string };

export const SHEET_ID = 'overview';

/** The visuals, by id, with the figure of the web dashboard each one draws. */
export const FIGURES = {
  uploads: 'Uploads per day by source',
  formats: 'Format mix',
  sizes: 'Sizes',
  refusals: 'Refusals by reason',
  cameras: 'Top cameras',
  expiring: 'Expiring in the next 24 hours',
  images: 'Images, newest first, with a link to each preview',
} as const;

const col = (dataSetIdentifier: string, columnName: string): Column => ({
  dataSetIdentifier,
  columnName,
});
const title = (text: string) => ({ visibility: 'VISIBLE', formatText: { plainText: text } });
const dimension = (fieldId: string, column: Column) => ({
  categoricalDimensionField: { fieldId, column },
});
const sum = (fieldId: string, column: Column) => ({
  numericalMeasureField: {
    fieldId,
    column,
    aggregationFunction: { simpleNumericalAggregation: 'SUM' },
  },
});
const count = (fieldId: string, column: Column) => ({
  categoricalMeasureField: { fieldId, column, aggregationFunction: 'COUNT' },
});
const descending = (fieldId: string) => [{ fieldSort: { fieldId, direction: 'DESC' } }];

function bar(
  id: keyof typeof FIGURES,
  category: object,
  value: object,
  sort: object,
  orientation = 'VERTICAL',
): Visual {
  return {
    barChartVisual: {
      visualId: id,
      title: title(FIGURES[id]),
      chartConfiguration: {
        orientation,
        fieldWells: { barChartAggregatedFieldWells: { category: [category], values: [value] } },
        sortConfiguration: sort,
      },
    },
  };
}

/** The web dashboard's figures as QuickSight visuals, over the datasets named by view. */
function visuals(): Visual[] {
  const uploads = (c: string) => col('daily_uploads', c);
  const images = (c: string) => col('images', c);
  return [
    {
      lineChartVisual: {
        visualId: 'uploads',
        title: title(FIGURES.uploads),
        chartConfiguration: {
          fieldWells: {
            lineChartAggregatedFieldWells: {
              category: [
                {
                  dateDimensionField: {
                    fieldId: 'uploads-day',
                    column: uploads('day'),
                    dateGranularity: 'DAY',
                  },
                },
              ],
              values: [sum('uploads-images', uploads('images'))],
              colors: [dimension('uploads-source', uploads('source'))],
            },
          },
        },
      },
    },
    {
      pieChartVisual: {
        visualId: 'formats',
        title: title(FIGURES.formats),
        chartConfiguration: {
          fieldWells: {
            pieChartAggregatedFieldWells: {
              category: [dimension('formats-format', uploads('format'))],
              values: [sum('formats-images', uploads('images'))],
            },
          },
          sortConfiguration: { categorySort: descending('formats-images') },
        },
      },
    },
    bar(
      'sizes',
      dimension('sizes-bucket', images('size_bucket')),
      count('sizes-images', images('image_id')),
      {
        // Buckets in size order, as the web dashboard draws them, not alphabetically.
        categorySort: [
          {
            columnSort: {
              sortBy: images('bytes'),
              direction: 'ASC',
              aggregationFunction: {
                numericalAggregationFunction: { simpleNumericalAggregation: 'MIN' },
              },
            },
          },
        ],
      },
    ),
    bar(
      'refusals',
      dimension('refusals-reason', col('daily_refusals', 'reason')),
      sum('refusals-count', col('daily_refusals', 'refusals')),
      { categorySort: descending('refusals-count') },
    ),
    bar(
      'cameras',
      dimension('cameras-camera', images('camera')),
      count('cameras-images', images('image_id')),
      // The 20 cameras with the most images, as the web dashboard lists them.
      {
        categorySort: descending('cameras-images'),
        categoryItemsLimit: { itemsLimit: 20, otherCategories: 'EXCLUDE' },
      },
      'HORIZONTAL',
    ),
    bar(
      'expiring',
      {
        dateDimensionField: {
          fieldId: 'expiring-hour',
          column: images('expires_at'),
          dateGranularity: 'HOUR',
        },
      },
      count('expiring-images', images('image_id')),
      { categorySort: [{ fieldSort: { fieldId: 'expiring-hour', direction: 'ASC' } }] },
    ),
    {
      tableVisual: {
        visualId: 'images',
        title: title(FIGURES.images),
        chartConfiguration: {
          fieldWells: {
            tableUnaggregatedFieldWells: {
              values: ['created_at', 'source', 'format', 'bytes', 'camera', 'preview_url'].map(
                (name) => ({ fieldId: `images-${name}`, column: images(name) }),
              ),
            },
          },
          sortConfiguration: {
            rowSort: [{ fieldSort: { fieldId: 'images-created_at', direction: 'DESC' } }],
          },
          fieldOptions: {
            selectedFieldOptions: [
              {
                fieldId: 'images-preview_url',
                customLabel: 'Preview',
                urlStyling: {
                  linkConfiguration: {
                    target: 'NEW_TAB',
                    content: {
                      customTextContent: {
                        value: 'Open the preview',
                        fontConfiguration: { fontSize: { relative: 'MEDIUM' } },
                      },
                    },
                  },
                },
              },
            ],
          },
        },
      },
    },
  ];
}

/** Filters that belong to one figure: known cameras only; stored images due in the next 24 hours. */
function filterGroups(): FilterGroup[] {
  const scope = (visualIds: string[]) => ({
    selectedSheets: {
      sheetVisualScopingConfigurations: [
        { sheetId: SHEET_ID, scope: 'SELECTED_VISUALS', visualIds },
      ],
    },
  });
  return [
    {
      filterGroupId: 'known-cameras',
      crossDataset: 'SINGLE_DATASET',
      status: 'ENABLED',
      scopeConfiguration: scope(['cameras']),
      filters: [
        {
          categoryFilter: {
            filterId: 'camera-known',
            column: col('images', 'camera'),
            configuration: {
              filterListConfiguration: {
                matchOperator: 'CONTAINS',
                selectAllOptions: 'FILTER_ALL_VALUES',
                nullOption: 'NON_NULLS_ONLY',
              },
            },
          },
        },
      ],
    },
    {
      filterGroupId: 'expiring-next-24-hours',
      crossDataset: 'SINGLE_DATASET',
      status: 'ENABLED',
      scopeConfiguration: scope(['expiring']),
      filters: [
        {
          relativeDatesFilter: {
            filterId: 'expires-within-24-hours',
            column: col('images', 'expires_at'),
            anchorDateConfiguration: { anchorOption: 'NOW' },
            timeGranularity: 'HOUR',
            relativeDateType: 'NEXT',
            relativeDateValue: 24,
            nullOption: 'NON_NULLS_ONLY',
          },
        },
        {
          // `expired` is a PostgreSQL boolean, which QuickSight reads as 0 or 1.
          numericEqualityFilter: {
            filterId: 'still-stored',
            column: col('images', 'expired'),
            matchOperator: 'EQUALS',
            value: 0,
            nullOption: 'NON_NULLS_ONLY',
          },
        },
      ],
    },
  ];
}

/** Two figures per row (the grid is 36 columns wide), the table of images across the bottom. */
function layout() {
  const charts = Object.keys(FIGURES).filter((id) => id !== 'images');
  return [
    {
      configuration: {
        gridLayout: {
          elements: [
            ...charts.map((elementId) => ({
              elementId,
              elementType: 'VISUAL',
              columnSpan: 18,
              rowSpan: 12,
            })),
            { elementId: 'images', elementType: 'VISUAL', columnSpan: 36, rowSpan: 18 },
          ],
        },
      },
    },
  ];
}

/** The definition, given each dataset's ARN by view name. */
export function starterDefinition(datasetArns: Record<string, string>): Definition {
  return {
    dataSetIdentifierDeclarations: Object.entries(datasetArns).map(([identifier, dataSetArn]) => ({
      identifier,
      dataSetArn,
    })),
    sheets: [
      {
        sheetId: SHEET_ID,
        name: 'Overview',
        visuals: visuals(),
        layouts: layout(),
      },
    ],
    filterGroups: filterGroups(),
  };
}
