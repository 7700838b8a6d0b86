// The look every chart shares: colours, axis ticks, the tooltip, and labels that wrap.
import type { ReactNode } from 'react';
import { Text, type XAxisTickContentProps } from 'recharts';
import { formatCount } from './number-format.ts';

export const palette = {
  accent: '#4f46e5',
  upload: '#4f46e5',
  stream: '#14b8a6',
  refusal: '#e15759',
  expiring: '#f59e0b',
  grid: '#eceef3',
  tick: '#646a78',
} as const;

const formatColours: Record<string, string> = {
  jpeg: '#4f46e5',
  png: '#0ea5e9',
  webp: '#14b8a6',
  gif: '#f59e0b',
  avif: '#ec4899',
  heif: '#8b5cf6',
  tiff: '#64748b',
};
export const spare = ['#94a3b8', '#a3e635', '#fb7185'];
export const formatColour = (format: string, index = 0): string =>
  formatColours[format] ?? spare[index % spare.length] ?? '#94a3b8';

export const tick = { fontSize: 12, fill: palette.tick };
export const animation = { animationDuration: 450 };

type TooltipEntry = { name?: unknown; value?: unknown; color?: string | undefined };

/** The tooltip every chart shows: a title, then one line per series with its swatch. */
export function tooltip(
  label: (value: string) => string,
  value: (value: number) => string = formatCount,
) {
  return (props: {
    active?: boolean;
    payload?: ReadonlyArray<TooltipEntry>;
    label?: string | number | undefined;
  }): ReactNode => {
    if (!props.active || !props.payload?.length) return null;
    return (
      <div className="chart-tooltip">
        <p className="chart-tooltip-title">{label(String(props.label ?? ''))}</p>
        {props.payload.map((entry) => (
          <p key={String(entry.name)} className="chart-tooltip-row">
            <span className="swatch" style={{ background: entry.color }} />
            <span className="chart-tooltip-name">{String(entry.name)}</span>
            <strong>{value(Number(entry.value))}</strong>
          </p>
        ))}
      </div>
    );
  };
}

export const same = (value: string) => value;

/** "100 KB – 1 MB" may break at the dash, never between a number and its unit. */
const keepUnits = (label: string) => label.replace(/([<≥\d]) (?=[\dKMGP])/g, '$1\u00a0');

/** A category label that wraps onto a second line when its column is too narrow for it. */
export function wrappedTick(props: XAxisTickContentProps): ReactNode {
  const room = Number(props.width ?? 0) / Math.max(1, props.visibleTicksCount);
  return (
    <Text
      x={Number(props.x)}
      y={Number(props.y) + 4}
      width={Math.max(48, room - 6)}
      textAnchor="middle"
      verticalAnchor="start"
      style={{ fontSize: 12 }}
      fill={palette.tick}
    >
      {keepUnits(String(props.payload.value))}
    </Text>
  );
}
