// The dashboard: key figures, then a grid of chart cards, all under the same filters.
import type { UseQueryResult } from '@tanstack/react-query';
import type { ChartRow, Query, Summary } from './analytics-api.ts';
import { ChartCard } from './ChartCard.tsx';
import { palette } from './chart-style.tsx';
import { BarList, ColumnChart, FormatDonut, hourLabel, hourTick, UploadsChart } from './charts.tsx';
import { FigureCards } from './FigureCards.tsx';
import type { Filters } from './filters.ts';
import { hourlySeries } from './series.ts';

/** A bar list is as tall as its rows, so a short list sits at the top of its card. */
const listHeight = (rows: unknown[]) => Math.max(72, Math.min(640, rows.length * 32 + 8));

/** A histogram's buckets as columns, in the order the API gives them. */
const histogram = (colour: string) => (rows: ChartRow[]) => (
  <ColumnChart rows={rows} category="bucket" value="images" name="Images" colour={colour} />
);

/** Reasons come as codes ('not_an_image'); a sentence-case label reads better on an axis. */
const reasonLabel = (reason: string) =>
  (reason.charAt(0).toUpperCase() + reason.slice(1)).replaceAll('_', ' ');

export function Overview(props: {
  filters: Filters;
  query: Query;
  summary: UseQueryResult<Summary>;
}) {
  const { query, filters } = props;
  return (
    <>
      <FigureCards summary={props.summary} />
      <div className="chart-grid">
        <ChartCard
          chart="uploads"
          title="Uploads over time"
          subtitle="Images received per day (UTC), by source"
          query={query}
          span={8}
          height={280}
          emptyText="No uploads in this range."
        >
          {(rows) => <UploadsChart rows={rows} from={filters.from} to={filters.to} />}
        </ChartCard>
        <ChartCard
          chart="formats"
          title="Format mix"
          subtitle="Images by format"
          query={query}
          span={4}
          height={280}
        >
          {(rows) => <FormatDonut rows={rows} />}
        </ChartCard>
        <ChartCard
          chart="sizes"
          title="File sizes"
          subtitle="Images by size of the original"
          query={query}
          span={4}
        >
          {histogram(palette.accent)}
        </ChartCard>
        <ChartCard
          chart="dimensions"
          title="Dimensions"
          subtitle="Images by resolution"
          query={query}
          span={4}
        >
          {histogram('#8b5cf6')}
        </ChartCard>
        <ChartCard
          chart="refusals"
          title="Refusal reasons"
          subtitle="Uploads refused at intake, by reason"
          query={query}
          span={4}
          height={listHeight}
          emptyText="No refusals in this range."
        >
          {(rows) => (
            <BarList
              rows={rows}
              category="reason"
              value="refusals"
              name="Refusals"
              colour={palette.refusal}
              labelFormat={reasonLabel}
            />
          )}
        </ChartCard>
        <ChartCard
          chart="cameras"
          title="Top cameras"
          subtitle="Images by camera make and model (top 20)"
          query={query}
          span={6}
          height={listHeight}
          emptyText="No camera data in these images."
        >
          {(rows) => (
            <BarList rows={rows} category="camera" value="images" name="Images" colour="#0ea5e9" />
          )}
        </ChartCard>
        <ChartCard
          chart="expiring"
          title="Expiring in the next 24 hours"
          subtitle="Images whose bytes will be removed, by hour (local time)"
          query={query}
          span={6}
          emptyText="Nothing expires in the next 24 hours."
        >
          {(rows) => (
            <ColumnChart
              rows={hourlySeries(rows)}
              category="hour"
              value="images"
              name="Images"
              colour={palette.expiring}
              tickFormat={hourTick}
              labelFormat={hourLabel}
            />
          )}
        </ChartCard>
      </div>
    </>
  );
}
