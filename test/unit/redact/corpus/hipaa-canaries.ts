/**
 * Canary corpus: the 18 HIPAA Safe Harbor identifier categories (45 CFR 164.514(b)(2)), several formats each
 * (US, UK, EU), and the ways a value is embedded in a log line or SQL (text, JSON, logfmt, key=value, stack
 * traces, URL-encoded, base64, quoted, upper/lower case). Values are fictitious.
 *
 * `needles` are what must never appear in any output (compared case-insensitively): the identifying parts of
 * the value. They are long and distinctive (no short digit runs), so a hit is never a coincidence.
 */

export type HipaaCategory =
  | 'names' | 'geography' | 'dates' | 'phone' | 'fax' | 'email' | 'ssn' | 'mrn' | 'health-plan'
  | 'account' | 'license' | 'vehicle' | 'device' | 'url' | 'ip' | 'biometric' | 'photo' | 'other-unique';

export interface Canary {
  category: HipaaCategory;
  /** Format / locale of this value, for failure messages. */
  format: string;
  value: string;
  needles: readonly string[];
}

const c = (category: HipaaCategory, format: string, value: string, needles: readonly string[]): Canary => ({ category, format, value, needles });

export const Canaries: readonly Canary[] = [
  // 1. Names
  c('names', 'first last', 'Marisol Quixbury', ['Marisol', 'Quixbury']),
  c('names', 'with initial', 'Ignatius Q. Pemberton-Vale', ['Ignatius', 'Pemberton']),
  c('names', 'last, first (UK records)', 'QUIXBURY, Marisol', ['Quixbury', 'Marisol']),
  c('names', 'English-word name', 'Rose Baker', ['Rose Baker', 'rose', 'baker']),
  c('names', 'English-word name 2', 'Grace Hope Carter', ['grace', 'hope', 'carter']),
  c('names', 'apostrophe', "Siobhan O'Quillighan", ['Siobhan', 'Quillighan']),
  c('names', 'EU diacritics', 'Zoë Müller-Kowalczyk', ['Zoë', 'Müller', 'Kowalczyk']),
  // 2. Geographic subdivisions smaller than a state
  c('geography', 'UK street + postcode', '221B Baker Street, London NW1 6XE', ['Baker Street', 'London', 'NW1', '6XE']),
  c('geography', 'US street + ZIP+4', '4821 Quailbrook Lane, Springdale, AR 72764-3310', ['Quailbrook', 'Springdale', '72764', '3310']),
  c('geography', 'DE street + PLZ', 'Kurfürstendamm 195, 10707 Berlin', ['Kurfürstendamm', '10707', 'Berlin']),
  c('geography', 'FR street', '14 Rue de Rivoli, 75004 Paris', ['Rivoli', '75004', 'Paris']),
  c('geography', 'UK postcode alone', 'SW1A 2AA', ['SW1A', '2AA']),
  c('geography', 'US ZIP alone', 'ZIP 90210-4417', ['90210', '4417']),
  // 3. Dates related to a person
  c('dates', 'ISO date of birth', '1975-07-04', ['1975-07-04', '1975']),
  c('dates', 'US date', '07/04/1975', ['07/04/1975', '1975']),
  c('dates', 'EU date', '04.07.1975', ['04.07.1975', '1975']),
  c('dates', 'long date', '4 July 1975', ['July', '1975']),
  c('dates', 'US long date', 'July 4, 1975', ['July', '1975']),
  c('dates', 'admission timestamp', '2023-11-02T08:15:42Z', ['2023-11-02', '08:15:42']),
  // 4. Telephone numbers
  c('phone', 'US', '(415) 555-0142', ['555-0142', '4155550142', '415']),
  c('phone', 'UK international', '+44 20 7946 0958', ['7946', '0958']),
  c('phone', 'UK national', '020 7946 0321', ['7946', '0321']),
  c('phone', 'DE', '+49 30 90182713', ['90182713']),
  c('phone', 'E.164', '+14155550199', ['14155550199', '5550199']),
  // 5. Fax numbers
  c('fax', 'US fax', 'fax 212-555-0187', ['555-0187', '0187']),
  c('fax', 'UK fax', 'Fax: 0161 496 0813', ['0161', '0813']),
  // 6. Email addresses
  c('email', 'plain', 'marisol.quixbury@example-clinic.org', ['marisol', 'quixbury', 'example-clinic']),
  c('email', 'upper case', 'IGNATIUS.PEMBERTON@EXAMPLE.COM', ['ignatius', 'pemberton']),
  c('email', 'plus tag', 'zoe+labs@kowalczyk-family.eu', ['kowalczyk', 'zoe+labs']),
  // 7. Social security numbers
  c('ssn', 'US dashed', '219-09-9999', ['219-09-9999', '9999']),
  c('ssn', 'US spaced', '219 09 9876', ['219 09 9876', '9876']),
  c('ssn', 'US bare', '219099875', ['219099875']),
  c('ssn', 'UK NI number', 'QQ 12 34 56 C', ['QQ 12 34 56', 'QQ123456']),
  // 8. Medical record numbers
  c('mrn', 'labelled', 'MRN: 00482913', ['00482913']),
  c('mrn', 'prefixed token', 'MRN-00482914', ['00482914']),
  c('mrn', 'letter + digits', 'A0048291577', ['A0048291577', '0048291577']),
  // 9. Health plan beneficiary numbers
  c('health-plan', 'member id', 'XQZ123456789', ['XQZ123456789', '123456789']),
  c('health-plan', 'Medicare MBI', '1EG4-TE5-MK73', ['1EG4', 'TE5', 'MK73']),
  c('health-plan', 'NHS number', '943 476 5919', ['943 476 5919', '9434765919', '5919']),
  c('health-plan', 'EHIC', '80276005470012345678', ['80276005470012345678', '0012345678']),
  // 10. Account numbers (bank, IBAN, card)
  c('account', 'IBAN GB', 'GB29 NWBK 6016 1331 9268 19', ['GB29', 'NWBK', '6016', '1331', '9268']),
  c('account', 'IBAN DE compact', 'DE89370400440532013000', ['DE89', '37040044', '0532013000']),
  c('account', 'card', '4111 1111 1111 1234', ['4111', '1234']),
  c('account', 'account number', 'acct 0012398765', ['0012398765']),
  // 11. Certificate / license numbers
  c('license', 'US driver license', 'D1234-56789-01234', ['D1234', '56789', '01234']),
  c('license', 'UK driving licence', 'MORGA753116SM9IJ', ['MORGA753116SM9IJ', 'MORGA']),
  c('license', 'nursing certificate', 'RN-7744123', ['7744123']),
  // 12. Vehicle identifiers and plates
  c('vehicle', 'VIN', '1HGCM82633A004352', ['1HGCM82633A004352', '82633']),
  c('vehicle', 'UK plate', 'LN51 KQW', ['LN51', 'KQW']),
  c('vehicle', 'US plate', '7XKQ319', ['7XKQ319']),
  c('vehicle', 'DE plate', 'B-QX 4412', ['QX 4412', '4412']),
  // 13. Device identifiers and serial numbers
  c('device', 'IMEI', '490154203237518', ['490154203237518', '4901542']),
  c('device', 'serial', 'C02XK1ZQJGH5', ['C02XK1ZQJGH5']),
  c('device', 'MAC', '3C:22:FB:9A:41:7E', ['3C:22:FB', '9A:41:7E']),
  c('device', 'pacemaker serial', 'PJN724411H', ['PJN724411H', '724411']),
  // 14. URLs
  c('url', 'portal URL', 'https://portal.quixbury-clinic.org/patients/marisol', ['quixbury', 'marisol']),
  c('url', 'URL with query', 'http://records.example.net/view?mrn=00482917&name=Quixbury', ['00482917', 'quixbury']),
  c('url', 'www', 'www.pemberton-vale-family.net/photos', ['pemberton']),
  // 15. IP addresses
  c('ip', 'IPv4', '203.0.113.77', ['203.0.113.77', '113.77']),
  c('ip', 'IPv6', '2001:db8:85a3::8a2e:370:7334', ['8a2e', '7334', '85a3']),
  c('ip', 'IPv4-mapped', '::ffff:198.51.100.23', ['198.51.100.23', '100.23']),
  // 16. Biometric identifiers
  c('biometric', 'fingerprint template', 'Rk1SACAyMAAAAAFiAAABQAHgAMUAxQEAAAAoJ4Bv', ['Rk1SACAyMAAAAAFi', 'AAoJ4Bv']),
  c('biometric', 'voiceprint id', 'VP-55Z8Q1X', ['55Z8Q1X']),
  c('biometric', 'retina hash', '9f2c4e1a7b3d5f60', ['9f2c4e1a7b3d5f60']),
  // 17. Full-face photographs
  c('photo', 'photo file', 'marisol_quixbury_face.jpg', ['quixbury', 'marisol']),
  c('photo', 'camera file', 'IMG_20190412_093215.jpg', ['20190412', '093215']),
  // 18. Any other unique identifying number, characteristic or code
  c('other-unique', 'case number', 'ZK-4471-QXV', ['4471', 'QXV']),
  c('other-unique', 'badge', 'badge 77120934', ['77120934']),
  c('other-unique', 'order code', 'A9F3-22K1-Q7', ['A9F3', '22K1']),
];

export const Categories: readonly HipaaCategory[] = [
  'names', 'geography', 'dates', 'phone', 'fax', 'email', 'ssn', 'mrn', 'health-plan', 'account', 'license',
  'vehicle', 'device', 'url', 'ip', 'biometric', 'photo', 'other-unique',
];

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Log-line embeddings of a value: text, levels, JSON, logfmt, key=value, stack traces, encodings, cases. */
export function logEmbeddings(v: string): string[] {
  const bare = v.replace(/\s+/g, '_');
  return [
    `ERROR connect ECONNREFUSED 10.0.3.17:5432 while loading patient ${v}`,
    `2026-11-27T03:00:00.123456789Z stderr F ERROR lookup failed for ${v}`,
    `2026-11-27 03:00:01.123 ERROR 1 --- [main] c.e.PatientService : Failed to load record ${v}`,
    JSON.stringify({ level: 'error', msg: `failed to load ${v}`, patient: v }),
    JSON.stringify({ level: 50, message: 'lookup failed', err: { message: `no match for ${v}` } }),
    `level=error msg="update failed for ${v.replace(/"/g, '\\"')}" value=${bare}`,
    `ERROR value=${bare} name=${bare} id=${bare}`,
    `ERROR patient: ${v}; Patient - ${v}`,
    `java.lang.IllegalStateException: no record for ${v}`,
    `ValueError: invalid value ${v}`,
    `panic: lookup ${v}: not found`,
    `ERROR GET /api/patients/${encodeURIComponent(v)}/records?q=${encodeURIComponent(v)} 404`,
    `ERROR fetch failed q=${encodeURIComponent(v)}`,
    `ERROR payload ${b64(v)} rejected`,
    `ERROR payload=${b64(`{"name":"${v}"}`)}`,
    `ERROR lookup failed for "${v}"`,
    `ERROR lookup failed for '${v}'`,
    `ERROR lookup failed for ${v.toLowerCase()}`,
    `ERROR LOOKUP FAILED FOR ${v.toUpperCase()}`,
    `FATAL: password authentication failed for user "${v}"`,
    `ERROR:  duplicate key value violates unique constraint "patients_key" DETAIL:  Key (value)=(${v}) already exists.`,
    `[error] 31#31: *1 upstream timed out, client: ${v}, server: api, request: "GET /x?v=${encodeURIComponent(v)} HTTP/1.1"`,
    `ERROR diagnosis: ${v} condition ${v}`,
  ];
}

/** SQL embeddings: plain, E'' and dollar-quoted literals, backslash escapes (standard_conforming_strings off), aliases, comments. */
export function sqlEmbeddings(v: string): string[] {
  const q = v.replace(/'/g, "''");
  const bs = v.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return [
    `SELECT * FROM patients WHERE value = '${q}' AND id IN (1, 2, 3)`,
    `UPDATE patients SET note = E'${bs}\\n' WHERE id = 42`,
    `INSERT INTO notes (body) VALUES ($$${v}$$), ($tag$${v}$tag$)`,
    `SELECT 'C:\\' , '${q}' FROM t`,
    `SELECT * FROM t WHERE a = 'x\\' OR b = ''${q}'`,
    `SELECT name AS "${v.replace(/"/g, '""')}" FROM patients`,
    `SELECT 1 /* ${v} */ -- ${v}\nFROM t`,
    `SELECT * FROM patients WHERE value = '${q}`,
    `SELECT U&'${q}', X'DEADBEEF', B'0101'`,
  ];
}

/** Every needle that occurs in `text` (case-insensitive), also in URL-encoded and base64 form. */
export function leakedNeedles(text: string, canary: Canary): string[] {
  const hay = text.toLowerCase();
  const forms = (n: string): string[] => [n, encodeURIComponent(n), b64(n), b64(canary.value)];
  return canary.needles.filter((n) => forms(n).some((f) => f.length >= 3 && hay.includes(f.toLowerCase())));
}
