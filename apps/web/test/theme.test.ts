import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { THEME_STORAGE_KEY, parseThemePreference, resolveTheme } from '../src/lib/theme';

describe('the colour theme', () => {
  it('a stored choice, or the system', () => {
    expect(parseThemePreference('dark')).toBe('dark');
    expect(parseThemePreference('light')).toBe('light');
    expect(parseThemePreference(null)).toBe('system');
    expect(parseThemePreference('purple')).toBe('system');
  });

  it('resolves the system preference', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });

  it('the pre-paint script uses the same storage key, and index.html loads it without inline script', () => {
    const script = readFileSync(new URL('../public/theme-init.js', import.meta.url), 'utf8');
    expect(script).toContain(`'${THEME_STORAGE_KEY}'`);
    const html = readFileSync(new URL('../index.html', import.meta.url), 'utf8');
    expect(html).toContain('<script src="/theme-init.js"></script>');
    // The CSP allows no inline script or style.
    expect(html).not.toMatch(/<script>(?!<\/script>)|<style/);
  });
});
