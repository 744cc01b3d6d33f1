// The colour theme: the system's by default, or the person's choice, saved in localStorage. It is applied as
// <html data-theme="light|dark">, which the `dark:` variant and the tokens in styles.css follow.
// public/theme-init.js applies the same rule before the first paint; keep the two in step.
import { useEffect, useSyncExternalStore } from 'react';

export type ThemePreference = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'powerdeck.theme';
export const THEME_PREFERENCES: readonly ThemePreference[] = ['system', 'light', 'dark'];

/** A stored value as a preference; anything unknown is the system's. */
export function parseThemePreference(value: string | null | undefined): ThemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The theme to show for a preference, given whether the system prefers dark. */
export function resolveTheme(pref: ThemePreference, systemDark: boolean): Theme {
  if (pref === 'system') return systemDark ? 'dark' : 'light';
  return pref;
}

const listeners = new Set<() => void>();
let current: ThemePreference | null = null;

function read(): ThemePreference {
  if (current === null) {
    try {
      current = parseThemePreference(localStorage.getItem(THEME_STORAGE_KEY));
    } catch {
      current = 'system';
    }
  }
  return current;
}

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

function apply(pref: ThemePreference): void {
  document.documentElement.dataset.theme = resolveTheme(pref, darkQuery().matches);
}

function setThemePreference(pref: ThemePreference): void {
  current = pref;
  try {
    if (pref === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, pref);
  } catch {
    // private mode or storage full: the choice lasts for this page only
  }
  apply(pref);
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The saved preference, and a setter; follows the system's theme while the preference is `system`. */
export function useThemePreference(): [ThemePreference, (pref: ThemePreference) => void] {
  const pref = useSyncExternalStore(subscribe, read, () => 'system' as const);
  useEffect(() => {
    apply(pref);
    if (pref !== 'system') return;
    const mq = darkQuery();
    const onChange = () => apply('system');
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, [pref]);
  return [pref, setThemePreference];
}
