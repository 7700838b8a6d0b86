// Sign in, or create an account: one form, two modes.
import { type FormEvent, useState } from 'react';
import { ApiError, auth, type Me } from './api.ts';

type Mode = 'signin' | 'signup';

export function AuthPage({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [mode, setMode] = useState<Mode>('signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const switchTo = (next: Mode) => {
    setMode(next);
    setFields({});
    setError('');
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = check(mode, email, password);
    setFields(problems);
    setError('');
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      onSignedIn(
        mode === 'signup' ? await auth.signUp(email, password) : await auth.signIn(email, password),
      );
    } catch (caught) {
      const failure =
        caught instanceof ApiError ? caught : new ApiError(0, 'error', String(caught));
      if (Object.keys(failure.fields).length > 0) setFields(failure.fields);
      else if (failure.code === 'name_taken') setFields({ email: failure.message });
      else setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  const signingUp = mode === 'signup';
  return (
    <main className="auth">
      <section className="auth-card" aria-labelledby="auth-title">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          Tessera Images
        </div>
        <h1 id="auth-title">{signingUp ? 'Create your account' : 'Welcome back'}</h1>
        <p className="muted">
          {signingUp
            ? 'Upload photos; each is kept for a limited time, then removed.'
            : 'Sign in to upload and manage your images.'}
        </p>
        <div className="segmented" role="tablist" aria-label="Sign in or sign up">
          <button
            type="button"
            role="tab"
            aria-selected={!signingUp}
            className={signingUp ? '' : 'active'}
            onClick={() => switchTo('signin')}
          >
            Sign in
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={signingUp}
            className={signingUp ? 'active' : ''}
            onClick={() => switchTo('signup')}
          >
            Sign up
          </button>
        </div>
        <form onSubmit={submit} noValidate>
          <Field
            label={signingUp ? 'Email' : 'Email or name'}
            name="email"
            type={signingUp ? 'email' : 'text'}
            autoComplete={signingUp ? 'email' : 'username'}
            value={email}
            onChange={setEmail}
            error={fields.email}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            value={password}
            onChange={setPassword}
            error={fields.password}
            hint={signingUp ? 'At least 10 characters.' : undefined}
          />
          {error && (
            <p className="form-error" role="alert" data-testid="auth-error">
              {error}
            </p>
          )}
          <button className="button primary wide" type="submit" disabled={busy}>
            {busy ? 'One moment…' : signingUp ? 'Create account' : 'Sign in'}
          </button>
        </form>
      </section>
    </main>
  );
}

function Field(props: {
  label: string;
  name: string;
  type: string;
  autoComplete: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
}) {
  const id = `field-${props.name}`;
  const note = props.error ?? props.hint;
  return (
    <div className={props.error ? 'field invalid' : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type}
        autoComplete={props.autoComplete}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={note ? `${id}-note` : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {note && (
        <small
          id={`${id}-note`}
          className={props.error ? 'field-error' : 'field-hint'}
          data-testid={props.error ? `${props.name}-error` : undefined}
        >
          {props.error ?? props.hint}
        </small>
      )}
    </div>
  );
}

/** The checks the gateway makes too, so the common mistakes are named before a round trip. */
function check(mode: Mode, email: string, password: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (mode === 'signup' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()))
    problems.email = 'Enter an email address.';
  // Principals added with the CLI sign in with their name (`tessera principals add uma`).
  if (mode === 'signin' && !/^[A-Za-z0-9._@+-]{1,200}$/.test(email.trim()))
    problems.email = 'Enter your email address or name.';
  if (!password) problems.password = 'Enter your password.';
  else if (mode === 'signup' && password.length < 10)
    problems.password = 'Use at least 10 characters.';
  return problems;
}
