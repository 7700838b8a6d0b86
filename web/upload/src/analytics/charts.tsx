// How each chart of the dashboard draws its rows, with recharts.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  Legend,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ChartRow } from './analytics-api.ts';
import {
  animation,
  formatColour,
  palette,
  same,
  spare,
  tick,
  tooltip,
  wrappedTick,
} from './chart-style.tsx';
import {
  formatCompact,
  formatCount,
  formatDay,
  formatDayLong,
  formatHour,
  formatPercent,
  humanBytes,
} from './number-format.ts';
import { dailySeries } from './series.ts';

/** The vertical axis of counts the column charts share. */
const countAxis = {
  tick,
  tickFormatter: formatCompact,
  allowDecimals: false,
  tickLine: false,
  axisLine: false,
  width: 44,
} as const;

/** Images per day, a stacked bar per source; days without uploads are drawn as 0. */
export function UploadsChart(props: { rows: ChartRow[]; from: string; to: string }) {
  const seriesNames = [
    ...new Set(['upload', 'stream', ...props.rows.map((row) => String(row.source))]),
  ];
  const data = dailySeries(props.rows, props.from, props.to, seriesNames);
  const shown = seriesNames.filter(
    (name) => name === 'upload' || name === 'stream' || data.some((day) => Number(day[name]) > 0),
  );
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap="18%">
        <CartesianGrid vertical={false} stroke={palette.grid} />
        <XAxis
          dataKey="day"
          tickFormatter={formatDay}
          tick={tick}
          tickLine={false}
          axisLine={{ stroke: palette.grid }}
          minTickGap={24}
        />
        <YAxis {...countAxis} />
        <Tooltip cursor={{ fill: '#f1f2f8' }} content={tooltip(formatDayLong)} />
        <Legend
          verticalAlign="top"
          align="right"
          iconType="circle"
          iconSize={8}
          height={28}
          itemSorter={null}
          wrapperStyle={{ fontSize: 12, color: palette.tick }}
        />
        {shown.map((name, index) => (
          <Bar
            key={name}
            dataKey={name}
            name={name === 'upload' ? 'Upload' : name === 'stream' ? 'Stream' : name}
            stackId="source"
            fill={
              name === 'upload'
                ? palette.upload
                : name === 'stream'
                  ? palette.stream
                  : spare[index % spare.length]
            }
            maxBarSize={36}
            radius={index === shown.length - 1 ? [3, 3, 0, 0] : 0}
            {...animation}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

/** The format mix as a donut, with a legend that gives each format's count and share. */
export function FormatDonut(props: { rows: ChartRow[] }) {
  const data = props.rows
    .map((row) => ({
      format: String(row.format),
      images: Number(row.images),
      bytes: Number(row.bytes),
    }))
    .filter((row) => row.images > 0)
    .sort((a, b) => b.images - a.images);
  const total = data.reduce((sum, row) => sum + row.images, 0);
  return (
    <div className="donut">
      <div className="donut-chart">
        <ResponsiveContainer width="100%" height="100%">
          <PieChart>
            <Pie
              data={data}
              dataKey="images"
              nameKey="format"
              innerRadius="64%"
              outerRadius="92%"
              paddingAngle={data.length > 1 ? 1.5 : 0}
              stroke="none"
              {...animation}
            >
              {data.map((row, index) => (
                <Cell key={row.format} fill={formatColour(row.format, index)} />
              ))}
            </Pie>
            <Tooltip content={tooltip(same)} />
          </PieChart>
        </ResponsiveContainer>
        <div className="donut-centre" aria-hidden="true">
          <strong>{formatCount(total)}</strong>
          <span>images</span>
        </div>
      </div>
      <ul className="donut-legend" aria-label="Images by format">
        {data.map((row, index) => (
          <li
            key={row.format}
            data-testid="format-share"
            title={`${row.format.toUpperCase()}: ${formatCount(row.images)} images, ${humanBytes(row.bytes)}`}
          >
            <span className="swatch" style={{ background: formatColour(row.format, index) }} />
            <span className="donut-legend-name">{row.format.toUpperCase()}</span>
            <span className="donut-legend-value">{formatCount(row.images)}</span>
            <span className="muted">{formatPercent(total ? row.images / total : 0)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Counts by an ordered category (size buckets, hours): one column each, its count on top. */
export function ColumnChart(props: {
  rows: ChartRow[];
  category: string;
  value: string;
  colour: string;
  name: string;
  tickFormat?: (value: string) => string;
  labelFormat?: (value: string) => string;
  showLabels?: boolean;
}) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={props.rows} margin={{ top: 20, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid vertical={false} stroke={palette.grid} />
        <XAxis
          dataKey={props.category}
          tick={props.tickFormat ? tick : wrappedTick}
          tickFormatter={props.tickFormat}
          tickLine={false}
          axisLine={{ stroke: palette.grid }}
          // Every bucket is named; hours (with a formatter) thin out where they would collide.
          interval={props.tickFormat ? 'preserveStartEnd' : 0}
          minTickGap={8}
          height={props.tickFormat ? 30 : 40}
        />
        <YAxis {...countAxis} />
        <Tooltip
          cursor={{ fill: '#f1f2f8' }}
          content={tooltip(props.labelFormat ?? props.tickFormat ?? same)}
        />
        <Bar
          dataKey={props.value}
          name={props.name}
          fill={props.colour}
          radius={[4, 4, 0, 0]}
          maxBarSize={56}
          {...animation}
        >
          {props.showLabels !== false && (
            <LabelList
              dataKey={props.value}
              position="top"
              formatter={(value: unknown) => (Number(value) > 0 ? formatCount(Number(value)) : '')}
              style={{ fontSize: 12, fill: '#3a3f4b', fontWeight: 600 }}
            />
          )}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Counts by a named category (cameras, refusal reasons): one bar a row, longest first. */
export function BarList(props: {
  rows: ChartRow[];
  category: string;
  value: string;
  colour: string;
  name: string;
  labelFormat?: (value: string) => string;
}) {
  const data = [...props.rows]
    .map((row) => ({
      ...row,
      [props.category]: (props.labelFormat ?? same)(String(row[props.category])),
    }))
    .sort((a, b) => Number(b[props.value]) - Number(a[props.value]));
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} layout="vertical" margin={{ top: 0, right: 40, bottom: 0, left: 0 }}>
        <XAxis type="number" hide allowDecimals={false} />
        <YAxis
          type="category"
          dataKey={props.category}
          tick={tick}
          tickLine={false}
          axisLine={false}
          width={170}
          tickFormatter={(value: string) => (value.length > 26 ? `${value.slice(0, 25)}…` : value)}
        />
        <Tooltip cursor={{ fill: '#f1f2f8' }} content={tooltip(same)} />
        <Bar
          dataKey={props.value}
          name={props.name}
          fill={props.colour}
          radius={[0, 4, 4, 0]}
          maxBarSize={20}
          background={{ fill: '#f5f6f9', radius: 4 }}
          {...animation}
        >
          <LabelList
            dataKey={props.value}
            position="right"
            formatter={(value: unknown) => formatCount(Number(value))}
            style={{ fontSize: 12, fill: '#3a3f4b', fontWeight: 600 }}
          />
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

export const hourTick = formatHour;
export const hourLabel = (iso: string) =>
  `${formatHour(iso)} – ${formatHour(new Date(new Date(iso).getTime() + 3_600_000).toISOString())}`;
