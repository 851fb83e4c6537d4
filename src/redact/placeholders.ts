/** The typed placeholders every redactor in `src/redact/` writes (one list, so they can be recognised). */
export const Placeholder = {
  Email: '<email>',
  Phone: '<phone>',
  Ssn: '<ssn>',
  Uuid: '<uuid>',
  Ip: '<ip>',
  Port: '<port>',
  Date: '<date>',
  Hex: '<hex>',
  Str: '<str>',
  Id: '<id>',
  Secret: '<secret>',
  Credentials: '<cred>',
  Query: '<query>',
  Pii: '<pii>',
  Num: '<num>',
  Name: '<name>',
  Word: '<word>',
  Text: '<text>',
  Url: '<url>',
  Path: '<path>',
  Host: '<host>',
  B64: '<b64>',
  Iban: '<iban>',
  Card: '<card>',
  Mac: '<mac>',
} as const;

export type PlaceholderText = (typeof Placeholder)[keyof typeof Placeholder];

export const AllPlaceholders: readonly string[] = Object.values(Placeholder);
