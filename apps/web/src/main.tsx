import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { reportCaughtError, RootErrorBoundary } from './app/error-boundaries';
import { AppProviders } from './app/providers';
import { trackInput } from './lib/activity';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('no #root element');
trackInput(window);
// Each render error a boundary catches is logged once, by reportCaughtError (the boundaries do not log).
createRoot(root, { onCaughtError: reportCaughtError }).render(
  <StrictMode>
    <AppProviders>
      <RootErrorBoundary>
        <App />
      </RootErrorBoundary>
    </AppProviders>
  </StrictMode>,
);
