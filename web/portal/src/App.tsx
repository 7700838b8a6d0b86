import AssessmentIcon from '@mui/icons-material/Assessment';
import BadgeIcon from '@mui/icons-material/Badge';
import FactoryIcon from '@mui/icons-material/Factory';
import HistoryIcon from '@mui/icons-material/History';
import Inventory2Icon from '@mui/icons-material/Inventory2';
import PeopleIcon from '@mui/icons-material/People';
import ReceiptLongIcon from '@mui/icons-material/ReceiptLong';
import StorageIcon from '@mui/icons-material/Storage';
import polyglotI18nProvider from 'ra-i18n-polyglot';
import englishMessages from 'ra-language-english';
import {
  Admin,
  CustomRoutes,
  Layout,
  type LayoutProps,
  Menu,
  Resource,
  radiantLightTheme,
  usePermissions,
} from 'react-admin';
import { Route } from 'react-router-dom';
import { authProvider } from './authProvider.ts';
import { dataProvider } from './dataProvider.ts';
import { Dashboard } from './pages/Dashboard.tsx';
import { QueryPage } from './pages/query/Query.tsx';
import { Reports } from './pages/Reports.tsx';
import { AuditList } from './resources/audit.tsx';
import { ItemImport } from './resources/item-batches.tsx';
import { ItemCreate, ItemEdit, ItemList } from './resources/items.tsx';
import { ManufacturerList, MemberList } from './resources/members.tsx';
import { PeopleList, PersonCreate } from './resources/people.tsx';
import {
  TransactionCreate,
  TransactionEdit,
  TransactionList,
  TransactionShow,
} from './resources/transactions.tsx';

const messages = {
  ...englishMessages,
  ra: {
    ...englishMessages.ra,
    auth: { ...englishMessages.ra.auth, username: 'Login' },
    notification: { ...englishMessages.ra.notification, created: 'Saved', updated: 'Saved' },
  },
};
const i18nProvider = polyglotI18nProvider(() => messages, 'en');

function PortalMenu() {
  const { permissions } = usePermissions();
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.ResourceItems />
      {(permissions === 'logistics' || permissions === 'analytics') && (
        <Menu.Item to="/reports" primaryText="Reports" leftIcon={<AssessmentIcon />} />
      )}
      <Menu.Item to="/query" primaryText="Query" leftIcon={<StorageIcon />} />
    </Menu>
  );
}

const PortalLayout = (props: LayoutProps) => <Layout {...props} menu={PortalMenu} />;

const readers = ['logistics', 'analytics'];
const itemWriters = ['logistics', 'sales'];

export function App() {
  return (
    <Admin
      title="Tessera commerce"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      dashboard={Dashboard}
      layout={PortalLayout}
      theme={radiantLightTheme}
      requireAuth
      disableTelemetry
    >
      {(team: string) => (
        <>
          {readers.includes(team) && (
            <Resource
              name="transactions"
              icon={ReceiptLongIcon}
              list={TransactionList}
              show={TransactionShow}
              create={team === 'logistics' ? TransactionCreate : undefined}
              edit={team === 'logistics' ? TransactionEdit : undefined}
              recordRepresentation={(r) => `#${r.transaction_id}`}
            />
          )}
          {team !== 'admin' && (
            <Resource
              name="items"
              icon={Inventory2Icon}
              list={ItemList}
              create={itemWriters.includes(team) ? ItemCreate : undefined}
              edit={itemWriters.includes(team) ? ItemEdit : undefined}
              recordRepresentation="item_name"
            />
          )}
          {readers.includes(team) && (
            <Resource
              name="memberships"
              options={{ label: 'Members' }}
              icon={BadgeIcon}
              list={MemberList}
            />
          )}
          {team !== 'admin' && (
            <Resource name="manufacturers" icon={FactoryIcon} list={ManufacturerList} />
          )}
          {team === 'admin' && (
            <Resource name="people" icon={PeopleIcon} list={PeopleList} create={PersonCreate} />
          )}
          {team === 'admin' && (
            <Resource
              name="audit"
              options={{ label: 'Audit log' }}
              icon={HistoryIcon}
              list={AuditList}
            />
          )}
          {itemWriters.includes(team) && (
            <CustomRoutes>
              <Route path="/item-import" element={<ItemImport />} />
            </CustomRoutes>
          )}
          {readers.includes(team) && (
            <CustomRoutes>
              <Route path="/reports" element={<Reports />} />
            </CustomRoutes>
          )}
          <CustomRoutes>
            <Route path="/query" element={<QueryPage />} />
          </CustomRoutes>
        </>
      )}
    </Admin>
  );
}
