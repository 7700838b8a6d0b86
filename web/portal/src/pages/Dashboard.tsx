import {
  Alert,
  Card,
  CardContent,
  CardHeader,
  Grid,
  ListItem,
  ListItemText,
  List as MuiList,
  Typography,
} from '@mui/material';
import { useQuery } from '@tanstack/react-query';
import { Title, usePermissions } from 'react-admin';
import { api } from '../api.ts';
import { signedIn } from '../authProvider.ts';

const tasks: Record<string, string[]> = {
  logistics: [
    'Record transactions and move them to completed',
    'Add and edit items',
    'Read members (without contact details) and reports',
  ],
  analytics: [
    'Browse members, items and transactions',
    'Read the top members and top items reports, and sales over time',
    'Export any list as CSV',
  ],
  sales: ['Add and edit items', 'Retire items that are no longer sold, and restore them'],
  admin: [
    'Add people to teams, grant or revoke contact details, disable logins',
    'Read the audit log',
    'Check that the database grants match the policy',
  ],
};

function PolicyStatus() {
  const { data } = useQuery({
    queryKey: ['policy'],
    queryFn: () =>
      api<{ ok: boolean; differences: { kind: string; description: string }[] }>(
        'GET',
        '/api/policy',
      ),
  });
  if (!data) return null;
  return data.ok ? (
    <Alert severity="success">
      The live database grants match the declared policy (tessera db verify passes).
    </Alert>
  ) : (
    <Alert severity="error">
      {data.differences.length} difference(s) from the policy:
      <ul>
        {data.differences.map((d) => (
          <li key={d.description}>
            {d.kind}: {d.description}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

export function Dashboard() {
  const { permissions } = usePermissions();
  const me = signedIn();
  return (
    <Grid container spacing={2} sx={{ mt: 1 }}>
      <Title title="Tessera commerce" />
      <Grid size={{ xs: 12, md: 7 }}>
        <Card>
          <CardHeader
            title={`Welcome, ${me?.login ?? ''}`}
            subheader={`${permissions ?? ''} team${me?.pii ? ' · may read contact details' : ''}`}
          />
          <CardContent>
            <Typography variant="body2" color="text.secondary" gutterBottom>
              Everything you do here runs as your own database login: the database itself decides
              what you may see and change, and records your changes in the audit log.
            </Typography>
            <MuiList dense>
              {(tasks[permissions] ?? []).map((t) => (
                <ListItem key={t}>
                  <ListItemText primary={t} />
                </ListItem>
              ))}
            </MuiList>
          </CardContent>
        </Card>
      </Grid>
      {permissions === 'admin' && (
        <Grid size={{ xs: 12, md: 5 }}>
          <PolicyStatus />
        </Grid>
      )}
    </Grid>
  );
}
