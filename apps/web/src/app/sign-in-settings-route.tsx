// The app layer gives the Sign-in settings page (admin feature) whether single sign-on is on and the identity
// provider's name, from the auth feature's public sign-in options (features do not import each other). Loaded on
// demand, with the page.
import { useQuery } from '@tanstack/react-query';
import { ssoQueries } from '../features/auth/api/sso-queries';
import { SignInSettingsPage } from '../features/admin/components/sign-in-settings-page';

export function SignInSettingsRoute() {
  const options = useQuery(ssoQueries.options());
  // Unknown (still loading, or unreadable): undefined, and the page does not claim that SSO is off.
  return <SignInSettingsPage sso={options.data ? options.data.sso : undefined} />;
}
