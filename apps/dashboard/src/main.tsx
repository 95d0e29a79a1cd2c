/**
 * The dashboard's entry: the providers (data cache, API client, session) and the router. Everything past
 * the login page and the layout loads per route (React.lazy), so this chunk stays small.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './app/app.js';
import './ui/styles.css';

// zod compiles object parsers with `new Function` unless told not to; the CSP forbids eval.
z.config({ jitless: true });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
