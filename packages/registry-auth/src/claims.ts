/**
 * The claim set of a registry token (distribution's "Token Authentication Implementation"): the standard
 * JWT claims and `access`, the resources and actions the token grants. `aud` is one string: distribution
 * 2.8 reads it as a string, not a list.
 */
import { z } from 'zod';

export interface AccessEntry {
  readonly type: string;
  /** The deprecated resource class; ignored when authorizing. */
  readonly class?: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export interface TokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly exp: number;
  readonly nbf: number;
  readonly iat: number;
  readonly jti: string;
  readonly access: readonly AccessEntry[];
}

/**
 * What a verified payload must hold (signature, iss, aud, exp and nbf were checked by jose before). Entries
 * of unknown types or actions are kept: they grant nothing here, and a newer issuer may send them.
 */
export const verifiedClaimsSchema = z.object({
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  jti: z.string().optional(),
  access: z
    .array(
      z.object({
        type: z.string(),
        class: z.string().optional(),
        name: z.string(),
        actions: z.array(z.string()),
      }),
    )
    .max(256)
    .default([]),
});

export type VerifiedClaims = z.infer<typeof verifiedClaimsSchema>;
