// Who may do what, and the HTTP shapes of signing in, users, personal access tokens and display
// links. The BFF enforces; the web app only hides what the BFF would refuse.
//
// Routes (all JSON; every state-changing request from a browser carries CSRF_HEADER):
//   POST   /api/session              SignInBody -> SessionInfo (sets the session cookie); 401 generic, 429 locked
//   GET    /api/session              -> SessionInfo, or 401 when nobody is signed in
//   DELETE /api/session              -> 204 (ends the session, clears the cookie); 200 SignOutAnswer (./sso) for
//                                    an SSO session whose identity provider offers RP-initiated logout
//   POST   /api/display-session      DisplaySignInBody -> SessionInfo (sets a display cookie that never idles out)
//   GET    /api/users                -> UserRow[]                         (users:manage)
//   POST   /api/users                NewUserBody -> UserRow                (users:manage)
//   PATCH  /api/users/:username      UserPatchBody -> UserPatchAnswer      (users:manage)
//   GET    /api/tokens[?all=true]    -> TokenRow[] (own; all=true: everyone's, admins)
//   POST   /api/tokens               NewTokenBody -> NewTokenAnswer (the token is shown once)
//   DELETE /api/tokens/:id           -> 204 (own; admins: any)
//   GET    /api/display-links        -> DisplayLinkRow[]                  (displays:manage)
//   POST   /api/display-links        NewDisplayLinkBody -> NewDisplayLinkAnswer (displays:manage)
//   DELETE /api/display-links/:id    -> 204                                (displays:manage)
//   POST   /api/sys/tokens           VergeOS's login: {"login","password"} and/or HTTP Basic -> 201 SysTokenReceipt
//                                    (`$key` is a short-lived personal token); 401 generic, 429 locked
//   DELETE /api/sys/tokens/:token    -> 200 {} (the token itself, its owner or an admin)
// A script sends its personal token as `Authorization: Bearer`, `x-yottabyte-token` or the cookie `token`
// on the VergeOS-compatible routes (`/api/v4/...`) and the read routes; tokens cannot manage users, tokens or
// display links.
import Type, { type Static } from 'typebox';
import { AUTH_KINDS, PERMISSIONS, ROLES } from './roles';
import { SIGN_IN_METHODS, USER_SOURCES } from './sso';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const RoleSchema = Type.Enum(ROLES);
const Iso = Type.String({ description: 'ISO 8601, UTC' });

/** A user name; `@` is allowed so that the names single sign-on brings (UPNs, e-mail addresses) fit. */
export const Username = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' });

/** A new password: 12 to 1024 characters. */
export const Password = Type.String({ minLength: 12, maxLength: 1024 });

export const SignInBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type SignInBody = Static<typeof SignInBody>;

export const DisplaySignInBody = Type.Object(
  { secret: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type DisplaySignInBody = Static<typeof DisplaySignInBody>;

/** Who is signed in (GET /api/session), and what they may do. */
export const SessionInfo = Type.Object({
  authKind: Type.Enum(AUTH_KINDS),
  role: RoleSchema,
  /** The person (null for a display). */
  username: Nullable(Type.String()),
  /** The display link's name (null unless a display). */
  display: Nullable(Type.String()),
  permissions: Type.Array(Type.Enum(PERMISSIONS)),
  /** A session ends after this long without a request; null: never (displays, tokens). */
  idleTimeoutMs: Nullable(Type.Integer()),
  /** How the person signed in; null for a display or a token. */
  signInMethod: Nullable(Type.Enum(SIGN_IN_METHODS)),
});
export type SessionInfo = Static<typeof SessionInfo>;

const userRowFields = {
  username: Type.String(),
  role: RoleSchema,
  disabled: Type.Boolean(),
  createdAt: Iso,
  updatedAt: Iso,
  /** How many personal access tokens of theirs work now (not revoked, not expired). */
  activeTokens: Type.Integer({ minimum: 0 }),
  /** 'sso': created by single sign-on; no password, the role comes from the provider's groups at each sign-in. */
  source: Type.Enum(USER_SOURCES),
  /** The last successful sign-in (password or SSO); null: never. */
  lastSignInAt: Nullable(Iso),
};
export const UserRow = Type.Object(userRowFields);
export type UserRow = Static<typeof UserRow>;

export const NewUserBody = Type.Object(
  { username: Username, role: RoleSchema, password: Password },
  { additionalProperties: false },
);
export type NewUserBody = Static<typeof NewUserBody>;

/**
 * One or more changes; a password change, disabling or a role change ends the user's sessions. Disabling also
 * revokes their personal tokens for good; a password change does too unless `revokeTokens` is false (it goes only
 * with `password`; default true).
 */
export const UserPatchBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    disabled: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
    revokeTokens: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatchBody = Static<typeof UserPatchBody>;

/** The user after a PATCH, and how many of their tokens it revoked (disabling, a password change). */
export const UserPatchAnswer = Type.Object({
  ...userRowFields,
  tokensRevoked: Type.Integer({ minimum: 0 }),
});
export type UserPatchAnswer = Static<typeof UserPatchAnswer>;

export const TokenRow = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  username: Type.String(),
  role: RoleSchema,
  /** The first characters, to tell tokens apart (`pd_AbCd1234`). */
  prefix: Type.String(),
  createdAt: Iso,
  expiresAt: Iso,
  lastUsedAt: Nullable(Iso),
  revokedAt: Nullable(Iso),
});
export type TokenRow = Static<typeof TokenRow>;

export const NewTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: RoleSchema,
    /** 1 to 366 days from now. */
    expiresInDays: Type.Integer({ minimum: 1, maximum: 366 }),
  },
  { additionalProperties: false },
);
export type NewTokenBody = Static<typeof NewTokenBody>;

export const NewTokenAnswer = Type.Object({
  /** Shown once; only its hash is stored. */
  token: Type.String(),
  info: TokenRow,
});
export type NewTokenAnswer = Static<typeof NewTokenAnswer>;

/** POST /api/sys/tokens, as VergeOS answers it: `$key` is the token, sent afterwards as `x-yottabyte-token`. */
export const SysTokenReceipt = Type.Object({
  location: Type.String(),
  dbpath: Type.String(),
  $row: Type.Integer(),
  $key: Type.String(),
});
export type SysTokenReceipt = Static<typeof SysTokenReceipt>;

export const DisplayLinkRow = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  createdBy: Type.String(),
  createdAt: Iso,
  lastUsedAt: Nullable(Iso),
  revokedAt: Nullable(Iso),
});
export type DisplayLinkRow = Static<typeof DisplayLinkRow>;

export const NewDisplayLinkBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export type NewDisplayLinkBody = Static<typeof NewDisplayLinkBody>;

export const NewDisplayLinkAnswer = Type.Object({
  link: DisplayLinkRow,
  /** Shown once; only its hash is stored. */
  secret: Type.String(),
  /**
   * The path to open on the screen: `/display#<secret>`. The secret rides in the fragment, which
   * browsers never send to a server or in a Referer; the page trades it for a display cookie.
   */
  path: Type.String(),
});
export type NewDisplayLinkAnswer = Static<typeof NewDisplayLinkAnswer>;
