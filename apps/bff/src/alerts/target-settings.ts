// What an alert target's stored `config` and sealed `secret` hold, per kind (AlertTargetRecord in stores/types.ts),
// and the settings an answer shows: never a secret, only whether one is set (and a Slack or Teams URL's host, the
// rest of that URL being the secret). The routes write these; the worker opens the secrets to send.
import type { SmtpSecurity } from '@powerdeck/contracts/alert-terms';
import type { TargetSettings } from '@powerdeck/contracts/alerts';
import type { AlertTargetRecord } from '../stores/types';
import type { SecretBox } from './secret-box';

export interface WebhookConfig {
  url: string;
}
export interface WebhookSecrets {
  /** `whsec_` + base64 (Standard Webhooks). */
  secret: string;
}

/** Slack and Teams: only the host of the incoming webhook's URL is kept in the open. */
export interface ChatConfig {
  host: string;
}
export interface ChatSecrets {
  url: string;
}

export interface EmailConfig {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Null: no authentication. */
  username: string | null;
  from: string;
  to: string[];
}
/** Sealed only when there is a password (a target without one has `secret` null). */
export interface EmailSecrets {
  password: string;
}

/** The settings an answer shows of a target (the contract's TargetSettings). */
export function targetSettings(t: AlertTargetRecord): TargetSettings {
  switch (t.kind) {
    case 'webhook':
      return {
        kind: 'webhook',
        url: (t.config as unknown as WebhookConfig).url,
        secretSet: t.secret !== null,
      };
    case 'slack':
    case 'teams':
      return { kind: t.kind, host: (t.config as unknown as ChatConfig).host };
    case 'email': {
      const c = t.config as unknown as EmailConfig;
      return {
        kind: 'email',
        host: c.host,
        port: c.port,
        security: c.security,
        username: c.username,
        passwordSet: t.secret !== null,
        from: c.from,
        to: c.to,
      };
    }
  }
}

/** A target's secrets opened (SecretBoxError when they cannot be); `{}` when it has none. */
export function openSecrets(box: SecretBox, t: AlertTargetRecord): Record<string, unknown> {
  return t.secret === null ? {} : box.open(t.secret);
}
