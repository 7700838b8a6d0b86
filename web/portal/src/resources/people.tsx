import { Alert, AlertTitle, Chip } from '@mui/material';
import { useState } from 'react';
import {
  BooleanInput,
  Button,
  Create,
  CreateButton,
  Datagrid,
  FunctionField,
  List,
  type RaRecord,
  regex,
  required,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  TopToolbar,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';
import { api } from '../api.ts';

const teams = ['logistics', 'analytics', 'sales', 'admin'].map((t) => ({ id: t, name: t }));

function Toggle({ field, on, off }: { field: 'pii' | 'canLogin'; on: string; off: string }) {
  const record = useRecordContext();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!record) return null;
  if (field === 'pii' && (record.team === 'sales' || record.team === 'admin')) return null;
  const change = async (event: React.MouseEvent) => {
    event.stopPropagation();
    try {
      await api('PATCH', `/api/people/${record.login}`, { [field]: !record[field] });
      notify(`${record.login}: ${record[field] ? off : on}`, { type: 'success' });
      refresh();
    } catch (error) {
      notify((error as Error).message, { type: 'error' });
    }
  };
  return <Button label={record[field] ? off : on} onClick={change} />;
}

export function PeopleList() {
  return (
    <List
      pagination={false}
      actions={
        <TopToolbar>
          <CreateButton label="Add person" />
        </TopToolbar>
      }
      title="People"
    >
      <Datagrid rowClick={false} bulkActionButtons={false} sort={{ field: 'team', order: 'ASC' }}>
        <TextField source="login" />
        <FunctionField
          source="team"
          render={(r: RaRecord) => <Chip size="small" label={r.team} />}
        />
        <FunctionField
          source="pii"
          label="Contact details"
          render={(r: RaRecord) => (r.pii ? 'may read' : '—')}
        />
        <FunctionField
          source="canLogin"
          label="Status"
          render={(r: RaRecord) => (
            <Chip
              size="small"
              color={r.canLogin ? 'success' : 'default'}
              label={r.canLogin ? 'active' : 'disabled'}
            />
          )}
        />
        <Toggle field="pii" on="Grant contact details" off="Revoke contact details" />
        <Toggle field="canLogin" on="Enable" off="Disable" />
      </Datagrid>
    </List>
  );
}

export function PersonCreate() {
  const [created, setCreated] = useState<{ login: string; password: string } | null>(null);
  if (created) {
    return (
      <Alert severity="success" sx={{ mt: 3 }} data-testid="new-password">
        <AlertTitle>{created.login} can sign in now</AlertTitle>
        Their password, shown only this once:{' '}
        <code style={{ fontSize: '1.1em' }}>{created.password}</code>
        <div style={{ marginTop: 12 }}>
          <Button label="Back to people" href="#/people" component="a" variant="outlined" />
        </div>
      </Alert>
    );
  }
  return (
    <Create
      title="Add a person"
      mutationOptions={{
        onSuccess: (data: RaRecord) => setCreated({ login: data.login, password: data.password }),
      }}
    >
      <SimpleForm>
        <TextInput
          source="login"
          validate={[
            required('Enter a login'),
            regex(
              /^[a-z][a-z0-9_]{1,62}$/,
              '2 to 63 lowercase letters, digits or _, starting with a letter',
            ),
          ]}
          helperText="Also their database login for psql and pgAdmin"
        />
        <SelectInput source="team" choices={teams} validate={required('Choose a team')} />
        <BooleanInput source="pii" label="May read members’ email and mobile number" />
      </SimpleForm>
    </Create>
  );
}
