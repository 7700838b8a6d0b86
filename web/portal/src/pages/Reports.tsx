import {
  Button,
  ButtonGroup,
  Card,
  CardContent,
  CardHeader,
  Grid,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Title } from 'react-admin';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api.ts';
import { formatMoney } from '../fields.tsx';

type Rows = { data: Record<string, string | number | boolean>[] };

function useReport(url: string) {
  return useQuery({ queryKey: [url], queryFn: () => api<Rows>('GET', url) }).data?.data ?? [];
}

function CsvLink({ url }: { url: string }) {
  return (
    <Button size="small" href={`${url}${url.includes('?') ? '&' : '?'}format=csv`} download>
      CSV
    </Button>
  );
}

export function Reports() {
  const [interval, setInterval] = useState<'day' | 'week' | 'month'>('month');
  const members = useReport('/api/reports/top-members');
  const items = useReport('/api/reports/top-items');
  const salesUrl = `/api/reports/sales?interval=${interval}`;
  const sales = useReport(salesUrl).map((p) => ({
    ...p,
    revenue: Number(p.revenue),
    label: String(p.period).slice(0, interval === 'month' ? 7 : 10),
  }));
  return (
    <Grid container spacing={2} sx={{ mt: 1 }}>
      <Title title="Reports" />
      <Grid size={12}>
        <Card>
          <CardHeader
            title="Sales over time"
            subheader="Completed transactions, revenue per period"
            action={
              <>
                <ButtonGroup size="small" sx={{ mr: 1 }}>
                  {(['day', 'week', 'month'] as const).map((i) => (
                    <Button
                      key={i}
                      variant={i === interval ? 'contained' : 'outlined'}
                      onClick={() => setInterval(i)}
                    >
                      {i}
                    </Button>
                  ))}
                </ButtonGroup>
                <CsvLink url={salesUrl} />
              </>
            }
          />
          <CardContent sx={{ height: 300 }}>
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={sales}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" fontSize={12} />
                <YAxis fontSize={12} tickFormatter={(v) => formatMoney(v)} width={90} />
                <Tooltip formatter={(v) => formatMoney(v)} />
                <Bar
                  dataKey="revenue"
                  fill="#4f46e5"
                  radius={[4, 4, 0, 0]}
                  isAnimationActive={false}
                />
              </BarChart>
            </ResponsiveContainer>
          </CardContent>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 7 }}>
        <Ranking
          title="Top 10 members by spending"
          subheader="Completed transactions"
          url="/api/reports/top-members"
          label="Top members"
          headings={['Member', 'Transactions', 'Spent']}
          rows={members.map((m) => ({
            key: String(m.membership_id),
            name: (
              <>
                {`${m.first_name} ${m.last_name}`}{' '}
                <small style={{ color: '#888' }}>{String(m.membership_id)}</small>
              </>
            ),
            figures: [String(m.completed_transactions), formatMoney(m.total_spent)],
          }))}
        />
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Ranking
          title="Top 3 items"
          subheader="Most units bought"
          url="/api/reports/top-items"
          label="Top items"
          headings={['Item', 'Units', 'Purchases']}
          rows={items.map((i) => ({
            key: String(i.item_id),
            name: `${String(i.item_name)}${i.retired ? ' (retired)' : ''}`,
            figures: [String(i.units_bought), String(i.times_bought)],
          }))}
        />
      </Grid>
    </Grid>
  );
}

type RankingRow = { key: string; name: ReactNode; figures: string[] };

/** A report's ranked table: a name, then figures aligned right; with its CSV download. */
function Ranking(props: {
  title: string;
  subheader: string;
  url: string;
  label: string;
  headings: string[];
  rows: RankingRow[];
}) {
  const [first, ...rest] = props.headings;
  return (
    <Card>
      <CardHeader
        title={props.title}
        subheader={props.subheader}
        action={<CsvLink url={props.url} />}
      />
      <Table size="small" aria-label={props.label}>
        <TableHead>
          <TableRow>
            <TableCell>{first}</TableCell>
            {rest.map((h) => (
              <TableCell key={h} align="right">
                {h}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {props.rows.map((row) => (
            <TableRow key={row.key}>
              <TableCell>{row.name}</TableCell>
              {row.figures.map((f, index) => (
                <TableCell key={props.headings[index + 1]} align="right">
                  {f}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Card>
  );
}
