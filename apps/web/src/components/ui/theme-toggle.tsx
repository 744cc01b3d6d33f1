// System / light / dark, as three pressed-or-not buttons; the choice is saved (src/lib/theme.ts).
import { Monitor, Moon, Sun, type LucideIcon } from 'lucide-react';
import { THEME_PREFERENCES, useThemePreference, type ThemePreference } from '../../lib/theme';

const META: Record<ThemePreference, { label: string; icon: LucideIcon }> = {
  system: { label: 'System theme', icon: Monitor },
  light: { label: 'Light theme', icon: Sun },
  dark: { label: 'Dark theme', icon: Moon },
};

export function ThemeToggle() {
  const [pref, setPref] = useThemePreference();
  return (
    <div
      role="group"
      aria-label="Theme"
      className="inline-flex rounded-md bg-sunken p-0.5 ring-1 ring-line ring-inset"
    >
      {THEME_PREFERENCES.map((p) => {
        const { label, icon: Icon } = META[p];
        const on = pref === p;
        return (
          <button
            key={p}
            type="button"
            aria-pressed={on}
            aria-label={label}
            title={label}
            onClick={() => setPref(p)}
            className={`grid size-7 place-items-center rounded-[5px] transition-colors ${
              on ? 'bg-panel text-ink shadow-xs ring-1 ring-line' : 'text-muted hover:text-ink'
            }`}
          >
            <Icon aria-hidden="true" className="size-4" strokeWidth={2} />
          </button>
        );
      })}
    </div>
  );
}
