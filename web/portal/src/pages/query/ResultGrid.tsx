// A result grid that renders only the rows in view (fixed row height), so 10,000 rows scroll as
// smoothly as ten.
import { Box } from '@mui/material';
import { useState } from 'react';

const rowHeight = 28;
const viewHeight = 360;

export type Column = { name: string; type: string };

function cell(value: unknown): string {
  if (value === null) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function ResultGrid({ columns, rows }: { columns: Column[]; rows: unknown[][] }) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - 5);
  const last = Math.min(rows.length, first + Math.ceil(viewHeight / rowHeight) + 10);
  const template = `48px ${columns.map(() => 'minmax(120px, 1fr)').join(' ')}`;
  const line = { display: 'grid', gridTemplateColumns: template, height: rowHeight } as const;
  const pad = {
    px: 1,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  } as const;
  return (
    <Box
      role="grid"
      aria-rowcount={rows.length}
      sx={{ height: viewHeight, overflow: 'auto', border: '1px solid #ddd', fontSize: 13 }}
      onScroll={(event) => setTop(event.currentTarget.scrollTop)}
    >
      <Box
        role="row"
        sx={{ ...line, position: 'sticky', top: 0, zIndex: 1, bgcolor: '#f5f5f5', fontWeight: 600 }}
      >
        <Box sx={pad}>#</Box>
        {columns.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: names may repeat; columns are positional
          <Box key={i} role="columnheader" sx={pad} title={c.type}>
            {c.name}{' '}
            <Box component="span" sx={{ color: '#888', fontWeight: 400 }}>
              {c.type}
            </Box>
          </Box>
        ))}
      </Box>
      <Box sx={{ height: rows.length * rowHeight, position: 'relative' }}>
        {rows.slice(first, last).map((row, offset) => {
          const index = first + offset;
          return (
            <Box
              key={index}
              role="row"
              sx={{ ...line, position: 'absolute', top: index * rowHeight, left: 0, right: 0 }}
            >
              <Box sx={{ ...pad, color: '#888' }}>{index + 1}</Box>
              {row.map((value, i) => (
                <Box
                  // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                  key={i}
                  role="gridcell"
                  sx={{ ...pad, color: value === null ? '#aaa' : undefined }}
                >
                  {cell(value)}
                </Box>
              ))}
            </Box>
          );
        })}
      </Box>
    </Box>
  );
}
