// Who is signed in decides the page: the sign-in form, or the uploader over the gallery; analysts
// also get the analytics view (#/analytics), which the gateway refuses to everyone else.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { AuthPage } from './AuthPage.tsx';
import { analyticsPath, useHashRoute } from './analytics/hash-route.ts';
import { ApiError, auth, type Me, whenSignedOut } from './api.ts';
import { Gallery } from './Gallery.tsx';
import { forgetImageUrls } from './image-urls.ts';
import { UploadPanel } from './UploadPanel.tsx';

// The charts are most of the bundle: only analysts load them.
const AnalyticsPage = lazy(() =>
  import('./analytics/AnalyticsPage.tsx').then((module) => ({ default: module.AnalyticsPage })),
);

type Session = { state: 'checking' } | { state: 'out' } | { state: 'in'; me: Me };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [problem, setProblem] = useState('');

  useEffect(() => {
    whenSignedOut(() => {
      forgetImageUrls();
      setSession({ state: 'out' });
    });
    auth.me().then(
      (me) => setSession({ state: 'in', me }),
      (caught: unknown) => {
        if (caught instanceof ApiError && caught.status === 401) setSession({ state: 'out' });
        else setProblem(caught instanceof Error ? caught.message : String(caught));
      },
    );
  }, []);

  const signOut = useCallback(async () => {
    await auth.signOut().catch(() => undefined);
    forgetImageUrls();
    setSession({ state: 'out' });
  }, []);

  if (problem) return <Problem message={problem} />;
  if (session.state === 'checking') return <main className="loading" aria-busy="true" />;
  if (session.state === 'out')
    return <AuthPage onSignedIn={(me) => setSession({ state: 'in', me })} />;
  return <Workspace me={session.me} onSignOut={signOut} />;
}

function Workspace({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const [refreshKey, setRefreshKey] = useState(0);
  const refresh = useCallback(() => setRefreshKey((n) => n + 1), []);
  const route = useHashRoute();
  const analyst = me.role === 'analyst';
  // Analysts land on their dashboard; anyone else who follows an analytics link sees why not.
  const analyticsShown = route.path.startsWith(analyticsPath) || (analyst && route.path === '/');
  return (
    <>
      <header className="topbar">
        <div className={analyticsShown ? 'topbar-inner wide' : 'topbar-inner'}>
          <div className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Tessera Images
          </div>
          {analyst && (
            <nav className="topnav" aria-label="Views">
              <a href="#/images" aria-current={analyticsShown ? undefined : 'page'}>
                Images
              </a>
              <a href={`#${analyticsPath}`} aria-current={analyticsShown ? 'page' : undefined}>
                Analytics
              </a>
            </nav>
          )}
          <div className="account">
            <span className="muted small" data-testid="signed-in-as">
              {me.name}
            </span>
            <button type="button" className="button subtle small" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      {analyticsShown ? (
        <main className="workspace wide">
          <Suspense fallback={<div className="loading" aria-busy="true" />}>
            <AnalyticsPage route={route} analyst={analyst} />
          </Suspense>
        </main>
      ) : (
        <main className="workspace">
          {/* Analysts read images; the gateway refuses their uploads. */}
          {!analyst && <UploadPanel onUploaded={refresh} />}
          <Gallery refreshKey={refreshKey} />
        </main>
      )}
    </>
  );
}

export function Problem({ message }: { message: string }) {
  return (
    <main className="auth">
      <section className="auth-card" role="alert">
        <h1>Something is wrong</h1>
        <p className="muted">{message}</p>
        <button type="button" className="button primary" onClick={() => window.location.reload()}>
          Try again
        </button>
      </section>
    </main>
  );
}
