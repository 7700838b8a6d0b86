import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * A SCRAM-SHA-256 verifier in PostgreSQL's stored form, computed here as psql's \password does,
 * so the plaintext password never travels to the server or into its statement logs.
 * Written by hand: it is RFC 5802/7677's four lines, and no maintained package exports it.
 */
export function scramVerifier(password: string, iterations = 4096): string {
  const salt = randomBytes(16);
  // PostgreSQL normalises with SASLprep; NFKC is its core and covers every password we generate.
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A password for a new login: 144 random bits, easy to paste. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
