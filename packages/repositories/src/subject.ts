/** Who asks, as the token service knows them (from `identity.verifyCredentials`, or nobody). */
export type RegistrySubject =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly name: string }
  | { readonly kind: 'service-account'; readonly org: string; readonly name: string };
