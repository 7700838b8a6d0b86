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
import { useState } from 'react';
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
        <Card>
          <CardHeader
            title="Top 10 members by spending"
            subheader="Completed transactions"
            action={<CsvLink url="/api/reports/top-members" />}
          />
          <Table size="small" aria-label="Top members">
            <TableHead>
              <TableRow>
                <TableCell>Member</TableCell>
                <TableCell align="right">Transactions</TableCell>
                <TableCell align="right">Spent</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {members.map((m) => (
                <TableRow key={String(m.membership_id)}>
                  <TableCell>
                    {`${m.first_name} ${m.last_name}`}{' '}
                    <small style={{ color: '#888' }}>{String(m.membership_id)}</small>
                  </TableCell>
                  <TableCell align="right">{String(m.completed_transactions)}</TableCell>
                  <TableCell align="right">{formatMoney(m.total_spent)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      </Grid>
      <Grid size={{ xs: 12, md: 5 }}>
        <Card>
          <CardHeader
            title="Top 3 items"
            subheader="Most units bought"
            action={<CsvLink url="/api/reports/top-items" />}
          />
          <Table size="small" aria-label="Top items">
            <TableHead>
              <TableRow>
                <TableCell>Item</TableCell>
                <TableCell align="right">Units</TableCell>
                <TableCell align="right">Purchases</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((i) => (
                <TableRow key={String(i.item_id)}>
                  <TableCell>
                    {String(i.item_name)}
                    {i.retired ? ' (retired)' : ''}
                  </TableCell>
                  <TableCell align="right">{String(i.units_bought)}</TableCell>
                  <TableCell align="right">{String(i.times_bought)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Card>
      </Grid>
    </Grid>
  );
}
