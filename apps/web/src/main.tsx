import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { AppProviders } from './app/providers';
import { trackInput } from './lib/activity';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
trackInput(window);
createRoot(root).render(
  <StrictMode>
    <AppProviders>
      <App />
    </AppProviders>
  </StrictMode>,
);
