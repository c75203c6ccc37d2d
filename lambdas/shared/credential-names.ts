/**
 * The one rule for "this name holds a credential": the logger redacts values under such keys, and the
 * HTTP scheduler stores such request headers in the job's secret, masks them in every response and
 * drops them when a redirect leaves the target's origin. Matches Authorization, Proxy-Authorization,
 * Cookie, X-Api-Key, Api-Key, X-Auth-Token, X-Amz-Security-Token, Private-Token, X-Session-Id,
 * password, client_secret, privateKey... ("Author" and "rejectUnauthorized" do not match).
 */
const CREDENTIAL_NAME =
  /pass(word|wd|phrase)?|secret|token|authori[sz]ation|authenticat|(^|[^a-z])auth([^a-z]|$)|cookie|session|api[-_]?key|access[-_]?key|credential|private[-_]?key/i;

export function looksLikeCredential(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}
