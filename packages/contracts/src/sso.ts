// Single sign-on with OpenID Connect (issue 18): the HTTP shapes the sign-in page, the refusal page and
// Admin > Sign-in read. The BFF runs the protocol (authorization code flow with PKCE, state and nonce); the
// browser only navigates to /api/sso/start and back.
//
// Routes:
//   GET    /api/sign-in-options          (public) -> SignInOptions
//   GET    /api/sso/start?returnTo=/path  (public) -> 302 to the identity provider; 404 sso_off, 503 sso_unreachable
//   GET    /api/sso/callback?code&state   (public) -> 302 to returnTo (signed in) or /sign-in/refused?id=<refusalId>
//   GET    /api/sso/refusals/:id          (public, the same browser only, 15 minutes) -> SsoRefusal; 404 otherwise
//   GET    /api/settings/sign-in          (users:manage) -> SignInSettings
//   PUT    /api/settings/sign-in          (users:manage) SignInSettings -> SignInSettings; 422 with a message
//   DELETE /api/session                   204, or 200 SignOutAnswer for a single sign-on session whose provider
//                                         offers RP-initiated logout (the web app navigates to logoutUrl)
import Type, { type Static } from 'typebox';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Who may sign in with a password: everyone, or only the named local admins (break glass). */
export const PASSWORD_SIGN_IN_MODES = ['everyone', 'break-glass'] as const;
export type PasswordSignInMode = (typeof PASSWORD_SIGN_IN_MODES)[number];
export const PasswordSignInModeSchema = Type.Enum(PASSWORD_SIGN_IN_MODES);

/** How a person's session began (SessionInfo.signInMethod; null for displays and tokens). */
export const SIGN_IN_METHODS = ['password', 'sso'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

/** Where a user account comes from: made in Powerdeck, or at its first single sign-on. */
export const USER_SOURCES = ['local', 'sso'] as const;
export type UserSource = (typeof USER_SOURCES)[number];

/** What the sign-in page offers (GET /api/sign-in-options, public). */
export const SignInOptions = Type.Object({
  /** Null: single sign-on is not configured. */
  sso: Nullable(Type.Object({ providerName: Type.String() })),
  /** 'break-glass': the password form is only for the named local admins (fold it, say so). */
  passwordSignIn: PasswordSignInModeSchema,
});
export type SignInOptions = Static<typeof SignInOptions>;

/**
 * Why a single sign-on was refused:
 * - 'no-rule': no role rule matched the groups the provider sent (they are listed);
 * - 'groups-overage': Entra ID sent `_claim_names.groups` instead of `groups` (too many groups);
 * - 'domain': the e-mail's domain is not allowed, or the e-mail is not verified;
 * - 'disabled': the Powerdeck user is disabled;
 * - 'username-taken': a local account has that user name;
 * - 'invalid': the provider's answer could not be trusted (token, state, nonce or code); details in the audit log;
 * - 'idp-error': the provider answered with an error (e.g. access_denied).
 */
export const SSO_REFUSAL_REASONS = [
  'no-rule',
  'groups-overage',
  'domain',
  'disabled',
  'username-taken',
  'invalid',
  'idp-error',
] as const;
export type SsoRefusalReason = (typeof SSO_REFUSAL_REASONS)[number];

/** GET /api/sso/refusals/:id: what the refusal page shows. */
export const SsoRefusal = Type.Object({
  reason: Type.Enum(SSO_REFUSAL_REASONS),
  /** A full sentence for a person. */
  message: Type.String(),
  providerName: Type.String(),
  /** The provider's subject (`sub`), when the answer was trusted far enough to know it. */
  subject: Nullable(Type.String()),
  username: Nullable(Type.String()),
  email: Nullable(Type.String()),
  /** The claim the groups are read from (POWERDECK_OIDC_GROUPS_CLAIM). */
  groupsClaim: Type.String(),
  /** The groups the provider sent (empty: none, or not known). */
  groups: Type.Array(Type.String()),
  at: Type.String({ description: 'ISO 8601, UTC' }),
});
export type SsoRefusal = Static<typeof SsoRefusal>;

/** GET/PUT /api/settings/sign-in. */
export const SignInSettings = Type.Object(
  {
    passwordSignIn: PasswordSignInModeSchema,
    /** The local admins who may still use a password in 'break-glass' mode. */
    breakGlassAdmins: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 }),
  },
  { additionalProperties: false },
);
export type SignInSettings = Static<typeof SignInSettings>;

/** DELETE /api/session's 200 answer for a single sign-on session: the provider's logout page to navigate to. */
export const SignOutAnswer = Type.Object({ logoutUrl: Type.String() });
export type SignOutAnswer = Static<typeof SignOutAnswer>;
