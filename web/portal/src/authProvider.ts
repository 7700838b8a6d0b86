import type { AuthProvider } from 'react-admin';
import { api, rememberCsrfToken } from './api.ts';

export type Team = 'logistics' | 'analytics' | 'sales' | 'admin';
export type Me = { login: string; team: Team; pii: boolean; csrfToken: string };

let me: Me | null = null;

async function current(): Promise<Me> {
  if (!me) {
    me = await api<Me>('GET', '/api/session');
    rememberCsrfToken(me.csrfToken);
  }
  return me;
}

export const authProvider: AuthProvider = {
  async login({ username, password }: { username: string; password: string }) {
    me = await api<Me>('POST', '/api/session', { login: username, password });
    rememberCsrfToken(me.csrfToken);
  },
  async logout() {
    if (me) await api('DELETE', '/api/session').catch(() => {});
    me = null;
  },
  async checkAuth() {
    await current();
  },
  async checkError(error: { status?: number }) {
    if (error?.status === 401) {
      me = null;
      throw error;
    }
  },
  async getPermissions() {
    return (await current()).team;
  },
  async getIdentity() {
    const who = await current();
    return { id: who.login, fullName: `${who.login} · ${who.team}` };
  },
};

/** The signed-in person, once checkAuth has run. */
export function signedIn(): Me | null {
  return me;
}
