// Open workspaces: per person's session, a few connections logged in as that person with the
// password they gave when opening it. The password is used to log in and then kept nowhere, so a
// workspace lives in the memory of one portal instance: behind a load balancer another instance
// answers 428 until the person opens it again there. A workspace closes after idle minutes, at
// sign-out, or when its connections are lost.
import { type Connection, connectForgetting } from '../db/pool.ts';
import { AppError } from '../errors.ts';

export type WorkspaceSettings = {
  /** Each statement's time limit, in milliseconds (SQL_STATEMENT_TIMEOUT). */
  statementTimeout: number;
  /** The most rows a result shows (SQL_ROW_LIMIT); a CSV download has no cap. */
  rowLimit: number;
  /** A workspace unused this long (ms) closes (SQL_IDLE_TIMEOUT). */
  idle: number;
};

type Workspace = {
  free: Connection[];
  all: Connection[];
  waiting: ((connection: Connection) => void)[];
  timer: NodeJS.Timeout | undefined;
};

export type Workspaces = {
  /** Opens the workspace of session `key`, logging in at `url` (which carries the password). */
  open(key: string, url: string): Promise<void>;
  isOpen(key: string): boolean;
  /** Runs `work` on one of the session's connections; 428 when the workspace is not open. */
  use<T>(key: string, work: (connection: Connection) => Promise<T>): Promise<T>;
  close(key: string): Promise<void>;
  closeAll(): Promise<void>;
};

export function createWorkspaces(settings: WorkspaceSettings, size = 2): Workspaces {
  const open = new Map<string, Workspace>();

  const close = async (key: string) => {
    const workspace = open.get(key);
    if (!workspace) return;
    open.delete(key);
    clearTimeout(workspace.timer);
    await Promise.all(workspace.all.map((c) => c.end().catch(() => {})));
  };
  const touch = (key: string, workspace: Workspace) => {
    clearTimeout(workspace.timer);
    workspace.timer = setTimeout(() => void close(key), settings.idle);
    workspace.timer.unref();
  };

  return {
    async open(key, url) {
      await close(key);
      const first = await connectForgetting(url, 'tessera-workspace');
      const rest = await Promise.all(
        Array.from({ length: size - 1 }, () => connectForgetting(url, 'tessera-workspace')),
      ).catch(async (error) => {
        await first.end();
        throw error;
      });
      const all = [first, ...rest];
      const workspace: Workspace = { free: [...all], all, waiting: [], timer: undefined };
      for (const connection of all) {
        // A lost connection cannot be reopened without the password: the workspace closes.
        (connection as unknown as NodeJS.EventEmitter).on('end', () => void close(key));
      }
      open.set(key, workspace);
      touch(key, workspace);
    },

    async use(key, work) {
      const workspace = open.get(key);
      if (!workspace) {
        throw new AppError(
          'workspace_closed',
          428,
          'Your query workspace is not open here. Open it with your database password.',
        );
      }
      touch(key, workspace);
      const connection =
        workspace.free.pop() ??
        (await new Promise<Connection>((resolve) => workspace.waiting.push(resolve)));
      try {
        return await work(connection);
      } finally {
        const next = workspace.waiting.shift();
        if (next) next(connection);
        else workspace.free.push(connection);
        touch(key, workspace);
      }
    },

    isOpen: (key) => open.has(key),

    close,

    async closeAll() {
      await Promise.all([...open.keys()].map(close));
    },
  };
}
