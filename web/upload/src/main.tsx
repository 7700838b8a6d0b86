// Reads where the gateway is from /config.json (served next to the app), then starts the app.
import { createRoot } from 'react-dom/client';
import { App, Problem } from './App.tsx';
import { setGateway } from './api.ts';
import './styles.css';

const root = createRoot(document.getElementById('root') as HTMLElement);

try {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}.`);
  const config = (await response.json()) as { gatewayUrl?: unknown };
  if (typeof config.gatewayUrl !== 'string') throw new Error('/config.json names no gatewayUrl.');
  setGateway(config.gatewayUrl);
  root.render(<App />);
} catch (error) {
  root.render(<Problem message={`The app is not configured: ${(error as Error).message}`} />);
}
